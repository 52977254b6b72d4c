"""Cancelling an order: its stock goes back, its money goes back, it is closed.

Only an order with nothing fulfilled can be cancelled (unconfirmed or unfulfilled). An order
with a parcel packed or shipped is refused with 409 `order_not_cancellable`: staff cancel its
fulfilments first (the stock comes back, the order is unfulfilled again), or the goods come
back as a return.

Everything happens in one transaction: the allocations are released
(`inventory.services.deallocate_lines`), the payments are voided or refunded
(`payments.services.release_order_payments`), the order moves to cancelled and the timeline
and the `order.cancelled` event (the customer's email) are written. If any step fails,
nothing changed.
"""

from django.db import transaction

from mercato.audit.services import Actor, record_change
from mercato.core.errors import Conflict
from mercato.core.events import record_event
from mercato.inventory import services as inventory
from mercato.orders.models import Order, OrderEvent
from mercato.orders.services.fulfilment import clean_note
from mercato.orders.services.status import lock_order, record_order_event, transition_order

CANCELLABLE = frozenset({Order.Status.UNCONFIRMED, Order.Status.UNFULFILLED})


class OrderNotCancellable(Conflict):
    code, title = "order_not_cancellable", "This order cannot be cancelled"


def cancel_order(*, order: Order, actor: Actor, note: str = "") -> Order:
    """Cancel `order`: allocations released, payments voided or refunded, status cancelled,
    event `order.cancelled`. Refuses (409 `order_not_cancellable`) an order already
    cancelled, a draft, or one with anything fulfilled."""
    # payments sits to the right of orders (it calls orders); this one flow calls back into it
    from mercato.payments.services import release_order_payments

    note = clean_note(note)
    with transaction.atomic():
        order = lock_order(order)
        if order.status == Order.Status.CANCELLED:
            raise OrderNotCancellable("The order is already cancelled.", order_status=order.status)
        fulfilled = order.lines.filter(quantity_fulfilled__gt=0).exists()
        if order.status not in CANCELLABLE or fulfilled:
            raise OrderNotCancellable(
                "Only an order with nothing fulfilled can be cancelled: cancel its "
                "fulfilments first, or take the goods back as a return.",
                order_status=order.status,
            )
        references = [line.reference for line in order.lines.all()]
        freed = inventory.deallocate_lines(
            line_references=references, actor=actor, reason=f"order {order.reference} cancelled"
        )
        release_order_payments(order=order, actor=actor, reason=note or "order cancelled")
        order = lock_order(order)  # payments changed its totals and payment status
        transition_order(order, Order.Status.CANCELLED, actor=actor, note=note)
        record_order_event(
            order, OrderEvent.Type.CANCELLED, actor=actor, note=note, units_released=freed
        )
        record_change(
            actor=actor,
            action="action",
            obj=order,
            verb="order.cancel",
            after={"status": order.status, "note": note},
        )
        record_event("order.cancelled", order_id=order.pk)
    return order
