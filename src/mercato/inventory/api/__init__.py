"""The inventory API, one module per resource: availability (store), warehouses, stock
(levels, adjustments, rules, CSV import), transfers, movements (the ledger). The routers are
those of `common`, which mercato.api mounts.

The operation ids stay those of the single module this package replaced
(`mercato_inventory_api_<handler>`): clients generated from the OpenAPI document call them by
these names."""

# isort: off
# Registration order: that of the single module this package replaced.
from mercato.inventory.api import availability, warehouses, stock, transfers, movements  # noqa: F401

# isort: on
from mercato.core.openapi import keep_operation_ids
from mercato.inventory.api.common import admin_router, store_router

keep_operation_ids(__name__, store_router, admin_router)


__all__ = ["admin_router", "store_router"]
