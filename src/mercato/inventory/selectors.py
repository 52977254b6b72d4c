from typing import Any
from uuid import UUID

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from mercato.core.errors import NotFound
from mercato.inventory.models import Reservation, Stock, StockMovement, Warehouse


def reservation_columns(reference: str, variant: str = "variant_id") -> dict[str, Any]:
    """Annotations for rows that name a variant (`variant`: its column), giving what the
    live reservation of `reference` holds of it: `quantity_reserved` and `quantity_short`
    (0 without one). Read in the rows' own query: a cart's lines show their state for free."""
    live = Reservation.objects.filter(
        reference=reference, variant_id=OuterRef(variant), expires_at__gt=timezone.now()
    )
    return {
        f"quantity_{name}": Coalesce(Subquery(live.values(field)[:1]), 0)
        for name, field in (("reserved", "quantity"), ("short", "quantity_short"))
    }


def list_stocks(
    *, warehouse: str = "", search: str = "", state: str = "", default_threshold: int
) -> QuerySet[Stock]:
    """Stock rows with their variant and warehouse; `state` is low or out (of stock)."""
    stocks = Stock.objects.select_related(
        "warehouse", "variant__product", "variant__inventory_item"
    ).annotate(free=F("quantity") - F("quantity_allocated"))
    if warehouse:
        stocks = stocks.filter(warehouse__slug=warehouse)
    if search:
        stocks = stocks.filter(
            Q(variant__sku__icontains=search) | Q(variant__product__name__icontains=search)
        )
    if state == "out":
        stocks = stocks.filter(free__lte=0)
    elif state == "low":
        stocks = stocks.filter(
            Q(
                variant__inventory_item__low_stock_threshold__isnull=False,
                free__lte=F("variant__inventory_item__low_stock_threshold"),
            )
            | Q(
                variant__inventory_item__low_stock_threshold__isnull=True,
                free__lte=default_threshold,
            )
        )
    return stocks


def list_movements(*, sku: str = "", warehouse: str = "", order: str = "") -> QuerySet:
    movements = StockMovement.objects.select_related("stock__warehouse", "stock__variant")
    if sku:
        movements = movements.filter(stock__variant__sku=sku)
    if warehouse:
        movements = movements.filter(stock__warehouse__slug=warehouse)
    if order:
        movements = movements.filter(order_reference=order)
    return movements


def get_warehouse(*, public_id: UUID | None = None, slug: str = "") -> Warehouse:
    query = Q(public_id=public_id) if public_id else Q(slug=slug)
    warehouse = Warehouse.objects.filter(query).first()
    if warehouse is None:
        raise NotFound("No such warehouse.", code="warehouse_not_found")
    return warehouse
