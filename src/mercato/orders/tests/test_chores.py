"""The housekeeping chore that cancels orders nobody paid in time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercato.inventory.models import Allocation
from mercato.inventory.selectors import verify_ledger
from mercato.orders.models import Order
from mercato.orders.tests.conftest import pay
from mercato.payments.chores import cancel_unpaid_orders
from tests.support.orders import make_order

pytestmark = pytest.mark.django_db


def placed_hours_ago(hours: int) -> Order:
    order = make_order().order
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(hours=hours))
    return order


def test_off_by_default(settings):
    assert settings.ORDERS_UNPAID_CANCEL_HOURS == 0
    order = placed_hours_ago(1000)

    assert cancel_unpaid_orders() == 0
    order.refresh_from_db()
    assert order.status == "unfulfilled"


def test_an_unpaid_order_past_the_deadline_is_cancelled_and_its_stock_freed(settings):
    settings.ORDERS_UNPAID_CANCEL_HOURS = 72
    late = placed_hours_ago(73)
    recent = placed_hours_ago(71)
    paid = pay(placed_hours_ago(100))
    free = placed_hours_ago(100)
    Order.objects.filter(pk=free.pk).update(total_gross=0)

    assert cancel_unpaid_orders() == 1

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        late.pk: "cancelled",
        recent.pk: "unfulfilled",
        paid.pk: "unfulfilled",
        free.pk: "unfulfilled",
    }
    assert not Allocation.objects.filter(order_reference=late.reference).exists()
    assert Allocation.objects.filter(order_reference=recent.reference).exists()
    cancelled = late.events.get(type="status_changed", data__to="cancelled")
    assert cancelled.note == "Not paid within 72 hours."
    assert verify_ledger() == []
    assert cancel_unpaid_orders() == 0  # nothing left to do
