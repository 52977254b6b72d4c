"""The analytics HTTP API: the admin reports (`admin_router`) and the store's storefront
events (`store_router`)."""

from mercato.analytics.api import (  # noqa: F401  (registers the operations)
    breakdowns,
    catvouch,
    custcart,
    reports,
    stockpay,
    traffic,
)
from mercato.analytics.api.common import admin_router
from mercato.analytics.api.store import store_router

__all__ = ["admin_router", "store_router"]
