"""A return through the real flow (delivered, requested, approved, received, refunded): its
fact, its refund on the day of the refund, and the line facts' catalog ids."""

from decimal import Decimal

from django.utils import timezone

from mercato.analytics.models import DailySales, OrderFact, OrderLineFact, RefundFact, ReturnFact
from mercato.analytics.services import local_day
from mercato.analytics.tests.history import pay
from mercato.audit.services import SYSTEM
from mercato.orders.services.returns import (
    ReturnItem,
    approve_return,
    receive_return,
    request_return,
)
from mercato.orders.tests.test_returns import deliver_all
from mercato.payments.services import refund_return
from tests.support import run_tasks
from tests.support.orders import make_order


def test_a_refunded_return_counts_on_the_day_of_its_refund(db):
    placed = make_order()  # 2 x 20.00 + 15.00 + 4.90 shipping
    order = placed.order
    pay(order)
    deliver_all(placed, SYSTEM)
    first = order.lines.order_by("pk").first()
    asked = request_return(order=order, lines=[ReturnItem(first, 1, "too big")], actor=SYSTEM)
    approve_return(order_return=asked, actor=SYSTEM)
    receive_return(order_return=asked, actor=SYSTEM)
    refund_return(order_return=asked, actor=SYSTEM)
    run_tasks()

    today = local_day(timezone.now())
    fact = ReturnFact.objects.get(order_return_id=asked.pk)
    assert (fact.status, fact.units, fact.refund_amount) == ("refunded", 1, Decimal("20.00"))
    assert (fact.day, fact.refunded_day, fact.currency) == (today, today, "EUR")
    order_fact = OrderFact.objects.get(order_id=order.pk)
    assert (order_fact.status, order_fact.counted) == ("partially_returned", True)
    assert list(RefundFact.objects.values_list("amount", "counted")) == [(Decimal("20.00"), True)]
    assert sorted(OrderLineFact.objects.values_list("variant_id", "product_id")) == sorted(
        (v.pk, v.product_id) for v in placed.variants
    )
    day = DailySales.objects.get(day=today, currency="EUR")
    assert (day.orders, day.gross, day.refunds, day.net) == (
        1,
        Decimal("55.00"),
        Decimal("20.00"),
        Decimal("35.00"),
    )
