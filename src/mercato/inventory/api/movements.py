"""Admin: the stock ledger."""

from django.http import HttpRequest
from ninja import Query, Router

from mercato.accounts.authentication import AdminAuth
from mercato.core.pagination import paginate
from mercato.core.schemas import problems
from mercato.inventory import selectors
from mercato.inventory.models import StockMovement
from mercato.inventory.schemas import MovementFilters, MovementPage

admin_router = Router(tags=["admin: inventory"])


def _movement_out(movement: StockMovement) -> dict:
    return {
        "id": movement.pk,
        "created_at": movement.created_at,
        "sku": movement.stock.variant.sku,
        "warehouse": movement.stock.warehouse.slug,
        "kind": movement.kind,
        "quantity_delta": movement.quantity_delta,
        "quantity_before": movement.quantity_before,
        "quantity_after": movement.quantity_after,
        "allocated_delta": movement.allocated_delta,
        "allocated_before": movement.allocated_before,
        "allocated_after": movement.allocated_after,
        "reason": movement.reason,
        "actor": movement.actor_label,
        "order_reference": movement.order_reference,
    }


@admin_router.get(
    "/inventory/movements",
    response={200: MovementPage, **problems(401, 403, 422)},
    auth=AdminAuth("inventory.view_stockmovement"),
    operation_id="mercato_inventory_api_list_movements",
)
def list_movements(request: HttpRequest, filters: Query[MovementFilters]):
    """The stock ledger, newest first."""
    movements = selectors.list_movements(
        sku=filters.sku, warehouse=filters.warehouse, order=filters.order
    )
    return paginate(movements, params=filters, transform=_movement_out)
