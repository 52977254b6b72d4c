"""The checkout's routers: the store's carts (`carts`) and the back office's abandoned
carts (`abandoned`). The store's operations keep the ids of the time the API was one module
(`mercato_checkout_api_<handler>`): clients generated from the OpenAPI document use them."""

from mercato.checkout.api.abandoned import admin_router
from mercato.checkout.api.carts import store_router
from mercato.core.openapi import keep_operation_ids

keep_operation_ids(__name__, store_router)

__all__ = ["admin_router", "store_router"]
