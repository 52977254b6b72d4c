"""The orders' part of cancelling an order: is it cancellable, its stock goes back, it is
closed. The flow that also gives the money back is `payments.services.cancel_order`, which
calls these two in one transaction around `release_order_payments`.

Only an order with nothing fulfilled can be cancelled (unconfirmed or unfulfilled). An order
with a parcel packed or shipped is refused with 409 `order_not_cancellable`: staff cancel its
fulfilments first (the stock comes back, the order is unfulfilled again), or the goods come
back as a return.
"""

from django.db import transaction

from mercato.audit.services import Actor, record_action
from mercato.core.errors import Conflict
from mercato.core.events import record_event
from mercato.inventory import services as inventory
from mercato.orders.models import Order, OrderEvent
from mercato.orders.services.status import lock_order, record_order_event, transition_order

CANCELLABLE = frozenset({Order.Status.UNCONFIRMED, Order.Status.UNFULFILLED})


class OrderNotCancellable(Conflict):
    code, title = "order_not_cancellable", "This order cannot be cancelled"


def release_order_stock(*, order: Order, actor: Actor) -> tuple[Order, int]:
    """Lock the order, refuse (409 `order_not_cancellable`) one already cancelled, a draft,
    or one with anything fulfilled, and release its allocations. Returns the locked order and
    the units released. Runs inside the caller's transaction."""
    with transaction.atomic(savepoint=False):
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
    return order, freed


def close_cancelled_order(*, order: Order, actor: Actor, note: str, units_released: int) -> Order:
    """Move the order (its stock and money back already) to cancelled: the timeline, the
    audit log and the `order.cancelled` event (the customer's email). Runs inside the
    caller's transaction."""
    with transaction.atomic(savepoint=False):
        order = lock_order(order)  # the payments changed its totals and payment status
        transition_order(order, Order.Status.CANCELLED, actor=actor, note=note)
        record_order_event(
            order, OrderEvent.Type.CANCELLED, actor=actor, note=note, units_released=units_released
        )
        record_action(order, "order.cancel", actor=actor, status=order.status, note=note)
        record_event("order.cancelled", order_id=order.pk)
    return order
