from django.core.management.base import BaseCommand

from mercato.inventory.demo import load_demo_inventory


class Command(BaseCommand):
    help = "Stock the demo catalog in two demo warehouses, if there is no warehouse yet."

    def handle(self, *args, **options):
        made = load_demo_inventory()
        if made:
            self.stdout.write(f"Demo inventory: {made} stock rows in 2 warehouses.")
        else:
            self.stdout.write("Warehouses exist; no demo inventory loaded.")
