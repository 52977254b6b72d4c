from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "mercato.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from mercato.catalog import signals

        signals.connect()
