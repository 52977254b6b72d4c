"""Admin: stock levels, adjustments, a variant's inventory rules, the CSV import."""

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Query
from ninja.files import UploadedFile

from mercato.core.pagination import paginate
from mercato.inventory import selectors, services
from mercato.inventory.api.common import list_operation, operation, request_actor
from mercato.inventory.schemas import (
    AdjustIn,
    ImportReport,
    RulesIn,
    RulesOut,
    StockFilters,
    StockOut,
    StockPage,
)


@list_operation("/inventory/stocks", page=StockPage, permission="inventory.view_stock")
def list_stocks(request: HttpRequest, filters: Query[StockFilters]):
    """Stock levels per variant and warehouse; `state=low` or `state=out` to find gaps."""
    stocks = selectors.list_stocks(
        warehouse=filters.warehouse,
        search=filters.search,
        state=filters.state,
        default_threshold=settings.LOW_STOCK_THRESHOLD,
    )
    return paginate(stocks, params=filters, ordering=("id",))


@operation(
    "post",
    "/inventory/stocks/adjust",
    out=StockOut,
    errors=(404, 422),
    permission="inventory.change_stock",
)
def adjust_stock(request: HttpRequest, payload: AdjustIn):
    """Set (`quantity`) or change (`delta`) what is on hand, with a reason for the ledger."""
    stock = services.adjust_stock(
        variant=selectors.get_variant_by_sku(payload.sku),
        warehouse=selectors.get_warehouse(slug=payload.warehouse),
        quantity=payload.quantity,
        delta=payload.delta,
        reason=payload.reason,
        actor=request_actor(request),
    )
    (shown,) = selectors.list_stocks_by_pk([stock.pk])
    return shown


@operation(
    "put",
    "/inventory/variants/{sku}/rules",
    out=RulesOut,
    errors=(404, 422),
    permission="inventory.change_stock",
)
def set_rules(request: HttpRequest, sku: str, payload: RulesIn):
    """Backorders and the low-stock threshold of a variant (null threshold: shop default)."""
    item = services.set_inventory_rules(
        variant=selectors.get_variant_by_sku(sku),
        actor=request_actor(request),
        allow_backorders=payload.allow_backorders,
        low_stock_threshold=(
            payload.low_stock_threshold
            if "low_stock_threshold" in payload.model_fields_set
            else services.UNSET
        ),
    )
    return {
        "sku": sku,
        "allow_backorders": item.allow_backorders,
        "low_stock_threshold": item.low_stock_threshold,
        "is_low": item.is_low,
    }


@operation(
    "post",
    "/inventory/stocks/import",
    out=ImportReport,
    errors=(400, 413),
    permission="inventory.change_stock",
)
def import_stock(request: HttpRequest, file: File[UploadedFile]):
    """Set on-hand quantities from a CSV (columns sku, warehouse, quantity; optional reason).
    Each row stands alone: a bad row is reported and changes nothing."""
    return services.import_stock(file=file, actor=request_actor(request))
