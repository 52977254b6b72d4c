"""The reporting model follows the orders: every event that can change an order's sales,
refunds or returns brings that order's facts and roll-ups up to date (idempotent, so a
second dispatch changes nothing). A payment changes no sales figure: sales count when the order
is placed, whether paid or not, and refunds when the money goes back; its events refresh the
order's payment provider (the orders report by provider) and its payment facts (the
payments report). A payment authorised but not captured, released, or left pending sends no
payment event of its own: the order's payment status changing does."""

from mercato.analytics import tracking
from mercato.analytics.services import refresh_order
from mercato.core.events import subscriber
from mercato.core.models import Event

ORDER_EVENTS = (
    "order.created",
    "order.confirmed",
    "order.cancelled",
    "order.status_changed",
    "order.lines_edited",
    "order.payment_status_changed",
    "payment.action_required",
    "payment.captured",
    "payment.failed",
    "payment.refunded",
    "return.requested",
    "return.approved",
    "return.rejected",
    "return.received",
    "return.refunded",
)


@subscriber(*ORDER_EVENTS)
def refresh_order_facts(event: Event) -> None:
    refresh_order(order_id=event.payload["order_id"])


@subscriber("order.created")
def record_order_placed(event: Event) -> None:
    """The session the order's cart was seen in gets its `order_placed` event."""
    tracking.record_order_placed(order_id=event.payload["order_id"])
