from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mercato.audit"
    label = "audit"
    verbose_name = "Audit log"
