from uuid import UUID

from django.db.models import F, Q, QuerySet

from mercato.core.errors import NotFound
from mercato.inventory.models import Stock, StockMovement, Warehouse


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
