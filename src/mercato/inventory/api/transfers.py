"""Admin: moving stock between warehouses."""

from django.http import HttpRequest

from mercato.inventory import selectors, services
from mercato.inventory.api.common import operation, request_actor
from mercato.inventory.schemas import StockOut, TransferIn


@operation(
    "post",
    "/inventory/stocks/transfer",
    out=list[StockOut],
    errors=(404, 409, 422),
    permission="inventory.change_stock",
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
