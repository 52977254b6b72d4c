from django.core.management.base import BaseCommand

from mercato.catalog.demo import load_demo_catalog
from mercato.catalog.models import Product
from mercato.core.progress import Progress


class Command(BaseCommand):
    help = "Load the demo catalog (categories, attributes, products with images) if empty."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=520)
        parser.add_argument("--no-images", action="store_true")

    def handle(self, *args, products, no_images, **options):
        if Product.objects.exists():
            self.stdout.write("The catalog has products; no demo catalog loaded.")
            return
        progress = Progress("Demo catalog", products, stream=self.stdout)
        made = load_demo_catalog(products=products, images=not no_images, on_product=progress.step)
        progress.done(f"Demo catalog: {made} products loaded")
