"""What the orders app does when order events happen: it emails the customer. Each event
enqueues one task (orders/tasks.py), which commits with the event's dispatch."""

from mercato.core.events import subscriber
from mercato.core.models import Event
from mercato.orders.tasks import send_order_email

EMAIL_FOR_EVENT = {
    "order.created": "confirmation",
    "payment.captured": "payment_received",
    "fulfilment.shipped": "shipped",
    "order.cancelled": "cancelled",
    "payment.refunded": "refunded",
    "return.requested": "return_update",
    "return.approved": "return_update",
    "return.rejected": "return_update",
    "return.received": "return_update",
    "return.refunded": "return_update",
}


@subscriber(*EMAIL_FOR_EVENT)
def send_email_for_event(event: Event) -> None:
    if event.payload.get("notify") is False:  # staff chose not to tell the customer
        return
    payload = {**event.payload, "event": event.name}
    if event.name.startswith("return."):
        payload["status"] = event.name.removeprefix("return.")
    send_order_email.enqueue(
        order_id=event.payload["order_id"],
        kind=EMAIL_FOR_EVENT[event.name],
        event_id=str(event.pk),
        payload=payload,
    )
