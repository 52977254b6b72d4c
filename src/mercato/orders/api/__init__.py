"""The orders API, one module per part: orders (lists, detail, timeline, notes, drafts,
line edits), fulfilments, returns, invoices. They register their operations on the two
routers of `common` (in this import order), which mercato.api mounts."""

from mercato.orders.api import fulfilments, invoices, orders, returns  # noqa: F401
from mercato.orders.api.common import admin_router, store_router

__all__ = ["admin_router", "store_router"]
