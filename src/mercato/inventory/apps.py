from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "mercato.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from mercato.inventory import receivers

        receivers.connect()
