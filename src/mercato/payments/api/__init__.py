"""The payments API, one module per part: the store (pay, confirm), the back office
(payments, transactions, capture, void, refund, mark paid), the providers' webhooks, and the
order actions that move money (cancel an order, refund a return), which keep the orders API's
paths and tag. The routers are gathered here and mounted by mercato.api.

Every operation names its `operation_id`: the ids stay what clients know, wherever the
handler lives."""

from ninja import Router

from mercato.payments.api import admin, order_actions, store
from mercato.payments.api.webhooks import webhook_router

store_router = Router()
admin_router = Router()
store_router.add_router("", store.store_router)
admin_router.add_router("", admin.admin_router)
admin_router.add_router("", order_actions.admin_router)

__all__ = ["admin_router", "store_router", "webhook_router"]
