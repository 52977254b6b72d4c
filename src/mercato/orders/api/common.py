"""What every orders handler shares: the two routers, the permissions, one way to declare an
admin operation, who is acting, and looking up an order or a warehouse by the key in the
path."""

from typing import Any

from ninja import Router

from mercato.accounts import operations
from mercato.accounts.actors import shopper_actor, staff_actor
from mercato.accounts.operations import Decorator
from mercato.inventory import selectors as inventory_selectors
from mercato.inventory.models import Warehouse
from mercato.orders import selectors
from mercato.orders.models import Order

store_router = Router(tags=["store: orders"])
admin_router = Router(tags=["admin: orders"])

VIEW = "orders.view_order"
CHANGE = "orders.change_order"
ADD = "orders.add_order"
CHANGE_ERRORS = (404, 409, 422)
"""What a change of an order (or of a parcel or a return) may answer: the thing is not
found, not in a state that allows the change, or the input is invalid."""

__all__ = [
    "ADD",
    "CHANGE",
    "CHANGE_ERRORS",
    "VIEW",
    "admin_operation",
    "admin_order",
    "admin_router",
    "shopper_actor",
    "staff_actor",
    "store_router",
    "warehouse_by_key",
]


def admin_order(order_id: str) -> Order:
    """The order with this public id (404 `order_not_found`)."""
    return selectors.get_order(order_id=order_id, detail=False)


def warehouse_by_key(key: str) -> Warehouse:
    public_id = selectors.parse_public_id(key)
    if public_id is not None:
        return inventory_selectors.get_warehouse(public_id=public_id)
    return inventory_selectors.get_warehouse(slug=key)


def admin_operation(method: str, path: str, *, permission: str, **options: Any) -> Decorator:
    """An operation of the orders admin router (see accounts.operations.admin_operation)."""
    return operations.admin_operation(admin_router, method, path, permission=permission, **options)
