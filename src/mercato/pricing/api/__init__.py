"""Pricing's HTTP API: `store_router` (VAT number check) and `admin_router` (taxes,
promotions, vouchers), one module per resource.

The operationIds stay those of the time the API was one module (`mercato_pricing_api_<name>`):
clients generated from the OpenAPI document call them by these names."""

from mercato.pricing.api import promotions, store, taxes, vouchers  # noqa: F401
from mercato.pricing.api.common import admin_router, store_router

for _router in (store_router, admin_router):
    for _path_view in _router.path_operations.values():
        for _operation in _path_view.operations:
            _operation.operation_id = (
                _operation.operation_id or f"mercato_pricing_api_{_operation.view_func.__name__}"
            )

__all__ = ["admin_router", "store_router"]
