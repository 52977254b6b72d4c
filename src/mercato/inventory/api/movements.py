"""Admin: the stock ledger."""

from django.http import HttpRequest
from ninja import Query

from mercato.core.pagination import paginate
from mercato.inventory import selectors
from mercato.inventory.api.common import list_operation
from mercato.inventory.schemas import MovementFilters, MovementPage


@list_operation(
    "/inventory/movements", page=MovementPage, permission="inventory.view_stockmovement"
)
def list_movements(request: HttpRequest, filters: Query[MovementFilters]):
    """The stock ledger, newest first."""
    movements = selectors.list_movements(
        sku=filters.sku, warehouse=filters.warehouse, order=filters.order
    )
    return paginate(movements, params=filters)
