"""Admin: the stock ledger."""

from django.http import HttpRequest
from ninja import Query, Router

from mercato.accounts.authentication import AdminAuth
from mercato.core.pagination import paginate
from mercato.core.schemas import problems
from mercato.inventory import selectors
from mercato.inventory.schemas import MovementFilters, MovementPage

admin_router = Router(tags=["admin: inventory"])


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
    return paginate(movements, params=filters)
