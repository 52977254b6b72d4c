from django.core.management.base import BaseCommand

from mercato.shipping.demo import load_demo_shipping


class Command(BaseCommand):
    help = "Load the demo shipping zones and methods if there are no zones yet."

    def handle(self, *args, **options):
        made = load_demo_shipping()
        if made:
            self.stdout.write(f"Demo shipping: {made} zones loaded.")
        else:
            self.stdout.write("Shipping zones exist; no demo shipping loaded.")
