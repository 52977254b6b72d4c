"""What every orders handler shares: the two routers, the permissions, who is acting, and
looking up an order or a warehouse by the key in the path."""

from ninja import Router

from mercato.accounts.actors import shopper_actor, staff_actor
from mercato.accounts.authentication import AdminAuth
from mercato.inventory import selectors as inventory_selectors
from mercato.inventory.models import Warehouse
from mercato.orders import selectors
from mercato.orders.models import Order

store_router = Router(tags=["store: orders"])
admin_router = Router(tags=["admin: orders"])

VIEW = AdminAuth("orders.view_order")
CHANGE = AdminAuth("orders.change_order")
ADD = AdminAuth("orders.add_order")

__all__ = [
    "ADD",
    "CHANGE",
    "VIEW",
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
