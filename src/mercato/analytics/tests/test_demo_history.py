"""The demo history (`load_demo_history`): a few weeks of orders on the small demo shop, made
through the services and moved back in time, with the analytics rebuilt to match."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from mercato.accounts.models import User
from mercato.analytics.demo_history import load_demo_history
from mercato.analytics.selectors import get_overview, get_period
from mercato.analytics.services import local_day
from mercato.catalog.demo import load_demo_catalog
from mercato.inventory.demo import load_demo_inventory
from mercato.inventory.selectors import verify_ledger
from mercato.orders.models import Order
from mercato.payments.models import Transaction
from mercato.pricing.demo import load_demo_pricing
from mercato.shipping.demo import load_demo_shipping

DAYS = 14
SMALL = {"orders_per_day": 2.0, "customers": 5, "days": DAYS}


@pytest.fixture
def demo_shop(db):
    load_demo_catalog(products=40, images=False)
    load_demo_inventory()
    load_demo_shipping()
    load_demo_pricing()


def totals() -> list[tuple[int, str, Decimal, str]]:
    return [
        (order.number, order.email, order.total_gross, order.status)
        for order in Order.objects.order_by("number")
    ]


def test_orders_spread_over_the_days_with_customers_and_refunds(demo_shop):
    now = timezone.now()
    made = load_demo_history(now=now, **SMALL)

    orders = list(Order.objects.order_by("number"))
    assert made == len(orders) > DAYS
    placed = [order.placed_at for order in orders]
    assert placed == sorted(placed)  # numbered in the order of their demo moments
    assert all(now - timedelta(days=DAYS + 1) < moment <= now for moment in placed)
    assert len({local_day(moment) for moment in placed}) > DAYS // 2
    assert all(order.email.endswith("@example.com") for order in orders)
    customers = User.objects.filter(email__startswith="demo-customer-")
    assert customers.exists()
    assert Order.objects.filter(user__in=customers).exists()
    assert Order.objects.filter(user=None).exists()
    paid = Order.objects.exclude(status=Order.Status.CANCELLED)
    assert set(paid.values_list("payment_status", flat=True)) <= {
        "charged",
        "partially_refunded",
    }
    # refunds and returns happen on a later day than their order
    for txn in Transaction.objects.filter(kind="refund").select_related("payment__order"):
        assert txn.created_at > txn.payment.order.placed_at
    assert verify_ledger() == []


def test_the_overview_sums_the_orders(demo_shop):
    load_demo_history(**SMALL)
    today = local_day(timezone.now())
    period = get_period(start=today - timedelta(days=DAYS), end=today, compare="none")
    [overview] = get_overview(period=period)

    counted = Order.objects.filter(status__in=settings.ANALYTICS_COUNTED_STATUSES)
    refunds = sum(
        Transaction.objects.filter(
            payment__order__in=counted, kind="refund", success=True
        ).values_list("amount", flat=True),
        Decimal("0.00"),
    )
    gross_total = sum(counted.values_list("total_gross", flat=True), Decimal("0.00"))
    assert overview.current.orders == counted.count() > 0
    assert overview.current.refunds == refunds
    assert overview.current.total == gross_total - refunds > 0


def test_the_same_seed_gives_the_same_history(demo_shop):
    now = timezone.now()
    runs = []
    for _ in range(2):
        with transaction.atomic():  # a fresh shop each time: the savepoint is rolled back
            load_demo_history(now=now, **SMALL)
            found = totals()
            # order numbers count from where the shop's sequence stands (PostgreSQL does not
            # give them back on rollback): compare them from the run's first one
            runs.append([(number - found[0][0], *rest) for number, *rest in found])
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert runs[0]


def test_a_second_run_adds_nothing(demo_shop):
    out = StringIO()
    call_command("load_demo_history", "--orders-per-day", "1", "--days", "5", stdout=out)
    assert "orders over 5 days" in out.getvalue()
    before = totals()
    again = StringIO()
    call_command("load_demo_history", stdout=again)
    assert "no demo history loaded" in again.getvalue()
    assert totals() == before


def test_the_worker_has_nothing_to_tell_about_the_history(demo_shop):
    from mercato.core.models import Event

    waiting = set(Event.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True))

    call_command("load_demo_history", "--orders-per-day", "1", "--days", "3", stdout=StringIO())

    assert Event.objects.filter(name="order.created").exists()
    # the catalog demo's events still wait for the worker; the history's do not (no emails)
    assert set(Event.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True)) == (
        waiting
    )
