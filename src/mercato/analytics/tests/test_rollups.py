"""The breakdown roll-ups: the daily ones are summed with the daily sales on every refresh,
the line roll-ups of months and weeks by a chore for those a refresh marked stale. A report
answers the same whether a month or a week comes from its roll-ups or, stale, from the
facts; the rebuild agrees with the events."""

from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from mercato.analytics.models import DailyOrderGroup, LineSalesRollup, StaleRollup
from mercato.analytics.reports.common import whole_spans
from mercato.analytics.rollups import roll_up_stale
from mercato.analytics.tests.history import Line, cancel, pay, place, refund
from mercato.payments.models import Payment
from tests.support import run_tasks

BERLIN = ZoneInfo("Europe/Berlin")
PRODUCTS = "/api/admin/analytics/products"
ORDERS = "/api/admin/analytics/orders"
# February and March whole, and the first days of April
RANGE = {"from": "2026-02-01", "to": "2026-04-03", "compare": "none", "by": "variant"}


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=BERLIN)


@pytest.fixture
def months(db):
    """A variant sold in February (2 x 12.50), March (1 x 12.50, and 3 x 12.50 cancelled)
    and April (1 x 12.50); another in March (1 x 40.00, 10.00 off by a promotion), paid, with
    15.00 refunded on April 2nd."""
    first = place(at=at(2, 14), lines=[Line("12.50", 2)], stocked=True)
    variant = first.lines.get().variant
    orders = [first]
    for month, day, quantity in ((3, 3, 1), (3, 20, 3), (4, 1, 1)):
        order = place(at=at(month, day), lines=[Line("12.50", quantity)])
        order.lines.update(variant=variant)
        orders.append(order)
    cancel(orders[2])
    other = place(at=at(3, 31), lines=[Line("40.00", promotion="10.00")], stocked=True)
    pay(other)
    Payment.objects.filter(order=other).update(created_at=other.placed_at)  # on its day
    refund(other, "15.00", at=at(4, 2))
    run_tasks()
    return variant, other.lines.get().variant


def _items(api, token) -> list[tuple]:
    body = api.get_json(PRODUCTS, RANGE, token=token).json()
    return [
        (i["id"], i["units"], i["gross_sales"]["amount"], i["net_sales"]["amount"])
        for block in body["currencies"]
        for i in block["items"]
    ]


def test_a_month_reads_the_same_from_its_roll_ups_as_from_the_facts(
    api, analyst_token, months, django_assert_num_queries
):
    first, other = months
    expected = [(first.pk, 4, "50.00", "50.00"), (other.pk, 1, "40.00", "30.00")]
    assert sorted(StaleRollup.objects.values_list("span", "start")) == [
        ("month", date(2026, 2, 1)),
        ("month", date(2026, 3, 1)),
        ("month", date(2026, 4, 1)),
        ("week", date(2026, 2, 9)),
        ("week", date(2026, 3, 2)),
        ("week", date(2026, 3, 16)),
        ("week", date(2026, 3, 30)),
    ]
    from_facts = _items(api, analyst_token)
    assert sorted(from_facts, key=lambda i: i[0]) == sorted(expected, key=lambda i: i[0])

    assert roll_up_stale() == 7
    assert not StaleRollup.objects.exists()
    rows = LineSalesRollup.objects.filter(span="month", by="variant").order_by(
        "start", "variant_id"
    )
    assert list(rows.values_list("start", "variant_id", "units", "gross", "discounts")) == [
        (date(2026, 2, 1), first.pk, 2, Decimal("25.00"), Decimal("0.00")),
        (date(2026, 3, 1), first.pk, 1, Decimal("12.50"), Decimal("0.00")),
        (date(2026, 3, 1), other.pk, 1, Decimal("40.00"), Decimal("10.00")),
        (date(2026, 4, 1), first.pk, 1, Decimal("12.50"), Decimal("0.00")),
    ]
    products = LineSalesRollup.objects.filter(span="month", by="product", start=date(2026, 3, 1))
    assert sorted(products.values_list("product_id", "variant_id", "orders", "units")) == sorted(
        [(first.product_id, None, 1, 1), (other.product_id, None, 1, 1)]
    )
    weeks = LineSalesRollup.objects.filter(span="week", by="variant").order_by(
        "start", "variant_id"
    )
    assert list(weeks.values_list("start", "variant_id", "units")) == [
        (date(2026, 2, 9), first.pk, 2),
        (date(2026, 3, 2), first.pk, 1),
        (date(2026, 3, 30), first.pk, 1),
        (date(2026, 3, 30), other.pk, 1),
    ]
    # the auth (3), stale spans, line facts, line roll-ups, the variants' names
    with django_assert_num_queries(7):
        again = _items(api, analyst_token)
    assert again == from_facts  # February and March rolled up
    assert roll_up_stale() == 0


def test_a_change_in_a_rolled_up_month_shows_at_once(api, analyst_token, months):
    first, _ = months
    roll_up_stale()
    order = place(at=at(2, 20), lines=[Line("12.50", 5)])
    order.lines.update(variant=first)
    run_tasks()

    assert sorted(StaleRollup.objects.values_list("span", "start")) == [
        ("month", date(2026, 2, 1)),
        ("week", date(2026, 2, 16)),
    ]
    assert (first.pk, 9, "112.50", "112.50") in _items(api, analyst_token)
    roll_up_stale()
    assert (first.pk, 9, "112.50", "112.50") in _items(api, analyst_token)


def test_the_orders_groups_hold_a_day_s_orders_and_its_refunds(months):
    rows = DailyOrderGroup.objects.filter(by="country").order_by("day", "orders")
    assert [(r.day, r.key, r.orders, r.gross, r.discounts, r.refunds) for r in rows] == [
        (date(2026, 2, 14), "DE", 1, Decimal("25.00"), Decimal("0.00"), Decimal("0.00")),
        (date(2026, 3, 3), "DE", 1, Decimal("12.50"), Decimal("0.00"), Decimal("0.00")),
        (date(2026, 3, 31), "DE", 1, Decimal("40.00"), Decimal("10.00"), Decimal("0.00")),
        (date(2026, 4, 1), "DE", 1, Decimal("12.50"), Decimal("0.00"), Decimal("0.00")),
        (date(2026, 4, 2), "DE", 0, Decimal("0.00"), Decimal("0.00"), Decimal("15.00")),
    ]
    assert set(DailyOrderGroup.objects.values_list("by", flat=True)) == {
        "status",
        "country",
        "shipping_method",
        "payment_provider",
    }


def test_the_rebuild_sums_every_roll_up_and_leaves_no_month_stale(api, analyst_token, months):
    orders = api.get_json(ORDERS, {**RANGE, "by": "status"}, token=analyst_token).json()
    incremental = sorted(DailyOrderGroup.objects.values_list("day", "by", "key", "orders"))
    roll_up_stale()
    rolled = sorted(
        LineSalesRollup.objects.values_list("span", "start", "by", "product_id", "units")
    )

    call_command("rebuild_analytics", stdout=StringIO())

    assert not StaleRollup.objects.exists()
    assert sorted(DailyOrderGroup.objects.values_list("day", "by", "key", "orders")) == (
        incremental
    )
    assert (
        sorted(LineSalesRollup.objects.values_list("span", "start", "by", "product_id", "units"))
        == rolled
    )
    again = api.get_json(ORDERS, {**RANGE, "by": "status"}, token=analyst_token).json()
    assert again == orders


def test_a_range_reads_whole_months_then_whole_weeks_then_days():
    runs = [(date(2026, 2, 16), date(2026, 4, 19))]
    months, left = whole_spans("month", runs, stale=set())
    assert months == [date(2026, 3, 1)]
    assert left == [(date(2026, 2, 16), date(2026, 2, 28)), (date(2026, 4, 1), date(2026, 4, 19))]
    weeks, days = whole_spans("week", left, stale={("week", date(2026, 4, 13))})
    assert weeks == [date(2026, 2, 16), date(2026, 4, 6)]  # Mondays; the 13th is stale
    assert days == [
        (date(2026, 2, 23), date(2026, 2, 28)),
        (date(2026, 4, 1), date(2026, 4, 5)),
        (date(2026, 4, 13), date(2026, 4, 19)),
    ]
    # a stale month is left to the weeks and the days
    months, left = whole_spans("month", runs, stale={("month", date(2026, 3, 1))})
    assert (months, left) == ([], runs)
