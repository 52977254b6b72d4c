import time

from django.core.management.base import BaseCommand

from mercato.catalog.demo import load_demo_catalog


class Command(BaseCommand):
    help = "Load the demo catalog (categories, attributes, products with images) if empty."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=520)
        parser.add_argument("--no-images", action="store_true")

    def handle(self, *args, products, no_images, **options):
        started = time.monotonic()
        made = load_demo_catalog(products=products, images=not no_images)
        if made:
            self.stdout.write(
                f"Demo catalog: {made} products loaded in {time.monotonic() - started:.1f} s."
            )
        else:
            self.stdout.write("The catalog has products; no demo catalog loaded.")
