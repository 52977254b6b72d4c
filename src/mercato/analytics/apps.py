from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "mercato.analytics"
    label = "analytics"
    verbose_name = "Analytics"
