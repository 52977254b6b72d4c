from mercato.core.demo import LoadDemoCommand
from mercato.inventory.demo import load_demo_inventory


class Command(LoadDemoCommand):
    help = "Stock the demo catalog in two demo warehouses, if there is no warehouse yet."
    load = staticmethod(load_demo_inventory)
    loaded = "Demo inventory: {made} stock rows in 2 warehouses."
    skipped = "Warehouses exist; no demo inventory loaded."
