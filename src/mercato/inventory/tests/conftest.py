"""Inventory test data, built through the services (catalog with actor=SYSTEM)."""

from typing import Any

import pytest

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import SYSTEM
from mercato.catalog.models import ProductVariant
from mercato.catalog.tests.factories import make_product, make_product_type, variant
from mercato.core.models import Event
from mercato.inventory import services
from mercato.inventory.models import (
    Allocation,
    InventoryItem,
    Reservation,
    Stock,
    StockMovement,
    Warehouse,
)

INVENTORY_MODELS = [
    Warehouse,
    InventoryItem,
    Stock,
    Reservation,
    Allocation,
    StockMovement,
    AuditLogEntry,
    Event,
]


def make_warehouse(slug: str, *, priority: int = 100, countries=(), **changes: Any) -> Warehouse:
    return services.save_warehouse(
        actor=SYSTEM,
        changes=services.WarehouseChanges(
            name=slug.title(), slug=slug, priority=priority, countries=list(countries), **changes
        ),
    )


def make_variants(count: int = 1, *, name: str = "", **data: Any) -> list[ProductVariant]:
    """`count` variants of one new published product."""
    product = make_product(
        name, product_type=make_product_type(), variants=[variant(**data) for _ in range(count)]
    )
    return list(product.variants.order_by("pk"))


def make_variant(**data: Any) -> ProductVariant:
    return make_variants(1, **data)[0]


def put_stock(v: ProductVariant, warehouse: Warehouse, quantity: int) -> Stock:
    return services.adjust_stock(
        variant=v, warehouse=warehouse, quantity=quantity, reason="count", actor=SYSTEM
    )


def stock_of(v: ProductVariant, warehouse: Warehouse) -> tuple[int, int]:
    """(on hand, allocated) as stored."""
    return Stock.objects.values_list("quantity", "quantity_allocated").get(
        variant=v, warehouse=warehouse
    )


def inventory_state() -> dict[str, list[tuple]]:
    """Every inventory row (and the audit log and event outbox): equal before and after a
    refused change."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in INVENTORY_MODELS
    }


@pytest.fixture
def main(db) -> Warehouse:
    return make_warehouse("main", priority=1)


@pytest.fixture
def shirt(db) -> ProductVariant:
    return make_variant()
