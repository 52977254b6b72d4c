"""Admin: stock levels, adjustments, a variant's inventory rules, the CSV import."""

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Query, Router
from ninja.files import UploadedFile

from mercato.accounts.authentication import AdminAuth
from mercato.core.pagination import paginate
from mercato.core.schemas import problems
from mercato.inventory import selectors, services
from mercato.inventory.api.common import request_actor
from mercato.inventory.schemas import (
    AdjustIn,
    ImportReport,
    RulesIn,
    RulesOut,
    StockFilters,
    StockOut,
    StockPage,
)

admin_router = Router(tags=["admin: inventory"])


@admin_router.get(
    "/inventory/stocks",
    response={200: StockPage, **problems(401, 403, 422)},
    auth=AdminAuth("inventory.view_stock"),
    operation_id="mercato_inventory_api_list_stocks",
)
def list_stocks(request: HttpRequest, filters: Query[StockFilters]):
    """Stock levels per variant and warehouse; `state=low` or `state=out` to find gaps."""
    stocks = selectors.list_stocks(
        warehouse=filters.warehouse,
        search=filters.search,
        state=filters.state,
        default_threshold=settings.LOW_STOCK_THRESHOLD,
    )
    return paginate(stocks, params=filters, ordering=("id",))


@admin_router.post(
    "/inventory/stocks/adjust",
    response={200: StockOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("inventory.change_stock"),
    operation_id="mercato_inventory_api_adjust_stock",
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


@admin_router.put(
    "/inventory/variants/{sku}/rules",
    response={200: RulesOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("inventory.change_stock"),
    operation_id="mercato_inventory_api_set_rules",
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


@admin_router.post(
    "/inventory/stocks/import",
    response={200: ImportReport, **problems(400, 401, 403, 413)},
    auth=AdminAuth("inventory.change_stock"),
    operation_id="mercato_inventory_api_import_stock",
)
def import_stock(request: HttpRequest, file: File[UploadedFile]):
    """Set on-hand quantities from a CSV (columns sku, warehouse, quantity; optional reason).
    Each row stands alone: a bad row is reported and changes nothing."""
    return services.import_stock(file=file, actor=request_actor(request))
