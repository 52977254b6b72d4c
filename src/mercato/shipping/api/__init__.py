"""Shipping's HTTP API: `store_router` (the methods that serve an address) and
`admin_router` (zones, methods), one module per resource.

The operationIds stay those of the time the API was one module (`mercato_shipping_api_<name>`):
clients generated from the OpenAPI document call them by these names."""

# isort: off
# Registration order: zones, then methods (as when the API was one module).
from mercato.shipping.api import store, zones, methods  # noqa: F401

# isort: on
from mercato.core.openapi import keep_operation_ids
from mercato.shipping.api.common import admin_router, store_router

keep_operation_ids(__name__, store_router, admin_router)

__all__ = ["admin_router", "store_router"]
