from mercato.core.demo import LoadDemoCommand
from mercato.shipping.demo import load_demo_shipping


class Command(LoadDemoCommand):
    help = "Load the demo shipping zones and methods if there are no zones yet."
    load = staticmethod(load_demo_shipping)
    loaded = "Demo shipping: {made} zones loaded."
    skipped = "Shipping zones exist; no demo shipping loaded."
