"""The payments' housekeeping chore: cancel the orders nobody paid in time (their stock and
any money held go back, through `services.cancel_order`)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mercato.audit.services import SYSTEM
from mercato.core.errors import DomainError
from mercato.core.housekeeping import chore
from mercato.orders.models import Order
from mercato.orders.services.status import lock_order
from mercato.payments.services import cancel_order

UNPAID = (Order.PaymentStatus.NOT_CHARGED, Order.PaymentStatus.FAILED)
CANCELLABLE = (Order.Status.UNCONFIRMED, Order.Status.UNFULFILLED)


@chore("unpaid_orders_cancelled")
def cancel_unpaid_orders() -> int:
    """Cancel the orders nobody paid within ORDERS_UNPAID_CANCEL_HOURS of placing them (off
    when 0). A pending payment (an async or 3-D Secure one in flight) keeps its order; so
    does an order with anything shipped. Each order is cancelled on its own: one that cannot
    be (it changed meanwhile) is skipped."""
    hours = settings.ORDERS_UNPAID_CANCEL_HOURS
    if hours <= 0:
        return 0
    due = Order.objects.filter(
        status__in=CANCELLABLE,
        payment_status__in=UNPAID,
        placed_at__lt=timezone.now() - timedelta(hours=hours),
    ).exclude(Q(lines__quantity_fulfilled__gt=0) | Q(total_gross=0))  # a free order is never paid
    cancelled = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            order = lock_order(pk)  # paid meanwhile? then it stays
            if order.payment_status not in UNPAID or order.status not in CANCELLABLE:
                continue
            try:
                cancel_order(order=order, actor=SYSTEM, note=f"Not paid within {hours} hours.")
            except DomainError:
                continue
        cancelled += 1
    return cancelled
