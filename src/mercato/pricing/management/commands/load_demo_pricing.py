from django.core.management.base import BaseCommand

from mercato.pricing.demo import load_demo_pricing


class Command(BaseCommand):
    help = "Create the demo voucher (WELCOME10) if there are no vouchers yet."

    def handle(self, *args: object, **options: object) -> None:
        made = load_demo_pricing()
        if made:
            self.stdout.write(f"Demo pricing: {made} voucher loaded (WELCOME10).")
        else:
            self.stdout.write("Vouchers exist; no demo voucher loaded.")
