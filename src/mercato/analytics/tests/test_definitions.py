"""The metric definitions of docs/analytics.md on a small history built by hand: an order
with discounts and a partial refund two days later, an order just after midnight in the
shop's time zone, a cancelled order, and a second currency."""

from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from mercato.analytics.models import DailySales, OrderFact, OrderLineFact, RefundFact
from mercato.analytics.services import refresh_order
from mercato.analytics.tests.history import Line, cancel, pay, place, refund
from mercato.orders.models import Order
from tests.support import run_tasks

BERLIN = ZoneInfo("Europe/Berlin")
D = Decimal


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def history(db) -> dict[str, Order]:
    late = place(
        at=berlin(2026, 3, 9, 23, 30),
        lines=[Line("20.00", 2, promotion="4.00", voucher="3.00"), Line("15.00")],
        shipping="5.00",
    )
    pay(late)
    refund(late, "10.00", at=berlin(2026, 3, 11, 10, 0))
    after_midnight = place(at=berlin(2026, 3, 10, 0, 30), lines=[Line("30.00")], shipping="0")
    cancelled = place(at=berlin(2026, 3, 10, 9, 0), lines=[Line("99.00")])
    pay(cancelled)
    cancel(cancelled)
    dollars = place(
        at=berlin(2026, 3, 10, 12, 0), currency="USD", lines=[Line("100.00")], shipping="10.00"
    )
    run_tasks()
    return {
        "late": late,
        "after_midnight": after_midnight,
        "cancelled": cancelled,
        "dollars": dollars,
    }


def daily() -> list[str]:
    """Each roll-up as `day currency orders units | gross discounts refunds net shipping
    total`."""
    return [
        f"{r.day} {r.currency} {r.orders} {r.units} | {r.gross} {r.discounts} {r.refunds} "
        f"{r.net} {r.shipping} {r.total}"
        for r in DailySales.objects.order_by("day", "currency")
    ]


def test_the_daily_roll_ups_follow_the_definitions(history):
    assert daily() == [
        # gross = listed line prices (2 x 20 + 15); discounts = promotion + voucher (4 + 3);
        # total = what the order charged (55 - 7 + 5)
        "2026-03-09 EUR 1 3 | 55.00 7.00 0.00 48.00 5.00 53.00",
        # 00:30 in Berlin is the 10th though it is the 9th in UTC; the cancelled order is out
        "2026-03-10 EUR 1 1 | 30.00 0.00 0.00 30.00 0.00 30.00",
        "2026-03-10 USD 1 1 | 100.00 0.00 0.00 100.00 10.00 110.00",
        # the refund counts on the day it happened, not on the order's day
        "2026-03-11 EUR 0 0 | 0.00 0.00 10.00 -10.00 0.00 -10.00",
    ]


def test_the_facts_keep_what_later_reports_need(history):
    late = OrderFact.objects.get(order_id=history["late"].pk)
    assert (late.day, late.counted, late.country, late.shipping_method, late.units) == (
        date(2026, 3, 9),
        True,
        "DE",
        "Standard",
        3,
    )
    assert late.tax == history["late"].tax_total
    lines = OrderLineFact.objects.filter(order=late).order_by("line_id")
    assert [(x.quantity, x.gross, x.discount) for x in lines] == [
        (2, D("40.00"), D("7.00")),
        (1, D("15.00"), D("0.00")),
    ]
    cancelled = OrderFact.objects.get(order_id=history["cancelled"].pk)
    assert (cancelled.status, cancelled.counted) == ("cancelled", False)
    assert RefundFact.objects.get(order=cancelled).counted is False


def test_a_second_dispatch_changes_nothing(history):
    before = daily()
    for order in history.values():
        refresh_order(order_id=order.pk)
    assert daily() == before


def test_rebuild_gives_what_the_events_gave(history):
    before = daily()
    facts = sorted(OrderFact.objects.values_list("order_id", "day", "counted", "gross", "total"))
    DailySales.objects.all().delete()
    OrderFact.objects.all().delete()
    out = StringIO()
    call_command("rebuild_analytics", stdout=out)
    assert "Rebuilt the analytics of 4 orders." in out.getvalue()
    assert daily() == before
    assert (
        sorted(OrderFact.objects.values_list("order_id", "day", "counted", "gross", "total"))
        == facts
    )


def test_counted_statuses_are_a_setting(history, settings):
    settings.ANALYTICS_COUNTED_STATUSES = ["unfulfilled", "cancelled"]
    call_command("rebuild_analytics", stdout=StringIO())
    day = DailySales.objects.get(day=date(2026, 3, 10), currency="EUR")
    assert (day.orders, day.gross) == (2, D("129.00"))


def test_the_time_zone_is_a_setting(history, settings):
    settings.SHOP_TIME_ZONE = "UTC"
    call_command("rebuild_analytics", stdout=StringIO())
    day = DailySales.objects.get(day=date(2026, 3, 9), currency="EUR")
    assert (day.orders, day.gross) == (2, D("85.00"))
