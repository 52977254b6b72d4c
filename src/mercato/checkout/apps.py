from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "mercato.checkout"
    label = "checkout"
    verbose_name = "Carts and checkout"

    def ready(self) -> None:
        # The checkout keeps the active shipping methods in memory with the pricing rules
        # (selectors._shipping_methods): any saved or deleted zone, method or bracket gives
        # those rules a new version.
        from django.db.models.signals import post_delete, post_save

        from mercato.pricing.models import bump_pricing_version
        from mercato.shipping.models import ShippingMethod, ShippingRate, ShippingZone

        for model in (ShippingZone, ShippingMethod, ShippingRate):
            uid = f"mercato.checkout.shipping.{model.__name__}"
            post_save.connect(bump_pricing_version, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(bump_pricing_version, sender=model, dispatch_uid=f"{uid}.delete")
