"""The payments back office: payments, their transactions and the webhook log
(`payments`), and the order admin's actions that move money (`order_actions`: cancel an
order, refund a return, the link to the order's payments), registered here over the orders
app's `OrderAdmin` (decision 0010)."""

from mercato.payments.admin import order_actions, payments

__all__ = ["order_actions", "payments"]
