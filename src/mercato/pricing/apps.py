from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "mercato.pricing"
    label = "pricing"
    verbose_name = "Pricing"
