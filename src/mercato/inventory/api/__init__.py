"""The inventory API, one module per resource: availability (store), warehouses, stock
(levels, adjustments, rules, CSV import), transfers, movements (the ledger). Each module has
its router; they are gathered here into the `store_router` and `admin_router` that
mercato.api mounts.

The operation ids are written out (`mercato_inventory_api_<handler>`): they are those of the
single module this package replaced, and the OpenAPI document keeps them."""

from ninja import Router

from mercato.inventory.api import availability, movements, stock, transfers, warehouses

store_router = Router()
store_router.add_router("", availability.store_router)

admin_router = Router()
for module in (warehouses, stock, transfers, movements):
    admin_router.add_router("", module.admin_router)
