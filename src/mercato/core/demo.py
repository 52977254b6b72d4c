"""What every `load_demo_<app>` management command does: load the app's demo data once, and
say what it loaded or that there was data already."""

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand


class LoadDemoCommand(BaseCommand):
    """`load` makes the demo data and returns how many objects it made: 0 when the app has
    data already and it loaded nothing. `loaded` (with `{made}`) or `skipped` is printed."""

    load: Callable[[], int]
    loaded: str
    skipped: str

    def handle(self, *args: Any, **options: Any) -> None:
        made = self.load()
        self.stdout.write(self.loaded.format(made=made) if made else self.skipped)
