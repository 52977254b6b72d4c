"""Demo stock for the demo catalog: two warehouses and a stock level for every tracked
variant (a few sold out, a few low), written with their ledger movements."""

import random
from typing import Any

from django.db import transaction

from mercato.audit.services import Actor
from mercato.catalog import services as catalog_services
from mercato.catalog.models import Product, ProductVariant
from mercato.inventory import selectors, services
from mercato.inventory.models import Stock, StockMovement, Warehouse

ACTOR = Actor(label="demo-data", source="command")

# the countries it ships to: none for all
WAREHOUSE_COLUMNS = ("name", "line1", "city", "postal_code", "country", "countries", "priority")
WAREHOUSES = [
    ("Berlin", "Lagerstraße 1", "Berlin", "10115", "DE", [], 1),
    ("London", "1 Dock Road", "London", "E16 1AA", "GB", ["GB"], 2),
]


def _warehouse_changes(row: tuple[Any, ...]) -> services.WarehouseChanges:
    values: dict[str, Any] = dict(zip(WAREHOUSE_COLUMNS, row, strict=True))
    return services.WarehouseChanges(**values)


def load_demo_inventory(*, seed: int = 7) -> int:
    """Stock the demo catalog if no warehouse exists yet. Returns the stock rows made."""
    if Warehouse.objects.exists():
        return 0
    rng = random.Random(seed)
    with transaction.atomic():
        main, london = (
            services.save_warehouse(actor=ACTOR, changes=_warehouse_changes(row))
            for row in WAREHOUSES
        )
        rows = []
        for variant_id in ProductVariant.objects.filter(track_inventory=True).values_list(
            "pk", flat=True
        ):
            roll = rng.random()
            quantity = (
                0 if roll < 0.05 else rng.randint(1, 4) if roll < 0.15 else rng.randint(5, 60)
            )
            rows.append(Stock(warehouse=main, variant_id=variant_id, quantity=quantity))
            if rng.random() < 0.3:
                rows.append(
                    Stock(warehouse=london, variant_id=variant_id, quantity=rng.randint(1, 20))
                )
        stocks = Stock.objects.bulk_create(rows, batch_size=1000)
        StockMovement.objects.bulk_create(
            (
                StockMovement(
                    stock=stock,
                    kind=StockMovement.Kind.IMPORT,
                    quantity_delta=stock.quantity,
                    quantity_before=0,
                    quantity_after=stock.quantity,
                    allocated_before=0,
                    allocated_after=0,
                    reason="demo data",
                    actor_label=ACTOR.label,
                )
                for stock in stocks
                if stock.quantity
            ),
            batch_size=1000,
        )
        catalog_services.set_in_stock(
            selectors.products_in_stock(Product.objects.values_list("pk", flat=True))
        )
    return len(stocks)
