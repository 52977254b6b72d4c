from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "mercato.payments"
    label = "payments"
    verbose_name = "Payments"
