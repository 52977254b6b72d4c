"""Admin: moving stock between warehouses."""

from django.http import HttpRequest
from ninja import Router

from mercato.accounts.authentication import AdminAuth
from mercato.core.schemas import problems
from mercato.inventory import selectors, services
from mercato.inventory.api.common import request_actor
from mercato.inventory.schemas import StockOut, TransferIn

admin_router = Router(tags=["admin: inventory"])


@admin_router.post(
    "/inventory/stocks/transfer",
    response={200: list[StockOut], **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("inventory.change_stock"),
    operation_id="mercato_inventory_api_transfer_stock",
)
def transfer_stock(request: HttpRequest, payload: TransferIn):
    """Move free units of a variant from one warehouse to another."""
    out, into = services.transfer_stock(
        variant=selectors.get_variant_by_sku(payload.sku),
        source=selectors.get_warehouse(slug=payload.source),
        destination=selectors.get_warehouse(slug=payload.destination),
        quantity=payload.quantity,
        reason=payload.reason,
        actor=request_actor(request),
    )
    return list(selectors.list_stocks_by_pk([out.pk, into.pk]))
