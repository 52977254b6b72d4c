from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "mercato.core"
    label = "core"
    verbose_name = "System"

    def ready(self) -> None:
        # Each app's event subscribers and personal-data providers register on import.
        autodiscover_modules("subscribers")
        autodiscover_modules("personal_data")
        autodiscover_modules("chores")
