"""Pricing's HTTP API: `store_router` (VAT number check) and `admin_router` (taxes,
promotions, vouchers), one module per resource.

The operationIds stay those of the time the API was one module (`mercato_pricing_api_<name>`):
clients generated from the OpenAPI document call them by these names."""

from mercato.core.openapi import keep_operation_ids
from mercato.pricing.api import promotions, store, taxes, vouchers  # noqa: F401
from mercato.pricing.api.common import admin_router, store_router

keep_operation_ids(__name__, store_router, admin_router)

__all__ = ["admin_router", "store_router"]
