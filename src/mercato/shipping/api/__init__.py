"""Shipping's HTTP API: `store_router` (the methods that serve an address) and
`admin_router` (zones, methods), one module per resource.

The operationIds stay those of the time the API was one module (`mercato_shipping_api_<name>`):
clients generated from the OpenAPI document call them by these names."""

# isort: off
# Registration order: zones, then methods (as when the API was one module).
from mercato.shipping.api import store, zones, methods  # noqa: F401

# isort: on
from mercato.shipping.api.common import admin_router, store_router

for _router in (store_router, admin_router):
    for _path_view in _router.path_operations.values():
        for _operation in _path_view.operations:
            _operation.operation_id = (
                _operation.operation_id or f"mercato_shipping_api_{_operation.view_func.__name__}"
            )

__all__ = ["admin_router", "store_router"]
