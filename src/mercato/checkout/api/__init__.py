"""The checkout's routers: the store's carts (`carts`) and the back office's abandoned
carts (`abandoned`)."""

from mercato.checkout.api.abandoned import admin_router
from mercato.checkout.api.carts import store_router

__all__ = ["admin_router", "store_router"]
