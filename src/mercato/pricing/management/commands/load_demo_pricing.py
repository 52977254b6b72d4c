from mercato.core.demo import LoadDemoCommand
from mercato.pricing.demo import load_demo_pricing


class Command(LoadDemoCommand):
    help = "Create the demo voucher (WELCOME10) if there are no vouchers yet."
    load = staticmethod(load_demo_pricing)
    loaded = "Demo pricing: {made} voucher loaded (WELCOME10)."
    skipped = "Vouchers exist; no demo voucher loaded."
