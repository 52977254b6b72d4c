"""The orders API, one module per part: orders (lists, detail, timeline, notes, drafts,
line edits), fulfilments, returns, invoices. Each module has a `store_router` and an
`admin_router`; they are gathered here and mounted by mercato.api."""

from ninja import Router

from mercato.orders.api import fulfilments, invoices, orders, returns

store_router = Router()
admin_router = Router()
for module in (orders, fulfilments, returns, invoices):
    store_router.add_router("", module.store_router)
    admin_router.add_router("", module.admin_router)
