"""The carts report (and its roll-up, chore and rebuild) and the customer value report, on
small histories built by hand; the figures are worked out in the comments."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from mercato.analytics.cart_rollups import rebuild_carts, roll_up_carts
from mercato.analytics.models import DailyCarts
from mercato.analytics.tests.history import Line, cancel, pay, place, refund
from mercato.analytics.tests.reports import (
    berlin,
    check_bad_input,
    check_queries,
    check_staff_only,
    eur,
    range_errors,
)
from mercato.catalog.tests.factories import make_product
from mercato.checkout.models import Cart, CartLine
from mercato.core.housekeeping import _chores
from tests.support import UserFactory, run_tasks

CARTS = "/api/admin/analytics/carts"
VALUE = "/api/admin/analytics/customers/value"
MARCH = {"from": "2026-03-01", "to": "2026-03-10"}
NOW = berlin(2026, 3, 12, 12)  # the moment the roll-ups are summed at

Open, Completed, Merged = Cart.Status.OPEN, Cart.Status.COMPLETED, Cart.Status.MERGED


def make_cart(created, updated, lines=(), *, status=Open, currency="EUR") -> Cart:
    """A cart made at `created` and last touched at `updated`, with (quantity, unit price)
    lines of new variants."""
    cart = Cart.objects.create(status=status, currency=currency, expires_at=updated)
    for quantity, price in lines:
        variant = make_product(prices=[price]).variants.get()
        CartLine.objects.create(
            cart=cart, variant=variant, quantity=quantity, unit_price=Decimal(price)
        )
    Cart.objects.filter(pk=cart.pk).update(created_at=created, updated_at=updated)
    return cart


@pytest.fixture
def carts(db) -> None:
    """Euro carts of March (the compared range: 19 to 28 February), summed at NOW."""
    make_cart(berlin(2026, 3, 2, 10), berlin(2026, 3, 2, 10))  # empty
    make_cart(berlin(2026, 3, 2, 11), berlin(2026, 3, 3, 9), [(2, "10.00"), (1, "5.00")])
    # 23:30 in Berlin is still the 2nd (22:30 UTC); ordered
    make_cart(berlin(2026, 3, 2, 23, 30), berlin(2026, 3, 3, 9), [(1, "40.00")], status=Completed)
    # 00:30 in Berlin is the 3rd (23:30 UTC on the 2nd); touched an hour ago: not abandoned
    make_cart(berlin(2026, 3, 3, 0, 30), berlin(2026, 3, 12, 11), [(1, "7.50")])
    make_cart(berlin(2026, 3, 9, 10), berlin(2026, 3, 9, 10), [(1, "99.00")], status=Merged)
    make_cart(berlin(2026, 3, 9, 10), berlin(2026, 3, 9, 10), [(3, "2.00")])
    make_cart(berlin(2026, 3, 9, 10), berlin(2026, 3, 9, 10), [(1, "50.00")], currency="USD")
    make_cart(berlin(2026, 2, 25, 10), berlin(2026, 2, 25, 11), [(1, "10.00")], status=Completed)
    assert roll_up_carts(now=NOW) == 5  # the 2nd, 3rd, 9th (EUR and USD), 25 Feb


def figures(created, with_lines, converted, abandoned, value, currency="EUR") -> dict:
    return {
        "created": created,
        "with_lines": with_lines,
        "converted": converted,
        "abandoned": abandoned,
        "abandonment_rate": f"{100 * abandoned / with_lines:.1f}" if with_lines else None,
        "conversion_rate": f"{100 * converted / with_lines:.1f}" if with_lines else None,
        "abandoned_value": eur(value, currency),
    }


NOTHING = figures(0, 0, 0, 0, "0.00")


def test_the_roll_ups_count_each_cart_on_its_shop_day(carts):
    rows = [
        (r.day, r.currency, r.created, r.with_lines, r.converted, r.abandoned, r.abandoned_value)
        for r in DailyCarts.objects.order_by("day", "currency")
    ]
    assert rows == [
        (date(2026, 2, 25), "EUR", 1, 1, 1, 0, Decimal("0.00")),
        # the empty one, the abandoned one (2 x 10.00 + 5.00), the ordered one; merged: out
        (date(2026, 3, 2), "EUR", 3, 2, 1, 1, Decimal("25.00")),
        (date(2026, 3, 3), "EUR", 1, 1, 0, 0, Decimal("0.00")),
        (date(2026, 3, 9), "EUR", 1, 1, 0, 1, Decimal("6.00")),
        (date(2026, 3, 9), "USD", 1, 1, 0, 1, Decimal("50.00")),
    ]


def test_carts_by_week_with_the_previous_period(api, analyst_token, carts):
    response = api.get_json(CARTS, {**MARCH, "interval": "week"}, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["interval"] == "week"
    assert body["period"]["previous_from"] == "2026-02-19"
    euros, dollars = body["series"]
    assert euros["currency"] == "EUR"
    # 5 carts, 4 with lines: 1 ordered, 2 abandoned (25.00 + 6.00), 1 still active
    assert euros["totals"] == figures(5, 4, 1, 2, "31.00")
    assert euros["totals"]["abandonment_rate"] == "50.0"
    assert euros["previous_totals"] == figures(1, 1, 1, 0, "0.00")
    points = [(p["from"], p["to"], p["figures"], p["previous"]) for p in euros["points"]]
    assert points == [
        ("2026-03-01", "2026-03-01", NOTHING, NOTHING),  # compared: 19 February
        ("2026-03-02", "2026-03-08", figures(4, 3, 1, 1, "25.00"), figures(1, 1, 1, 0, "0.00")),
        ("2026-03-09", "2026-03-10", figures(1, 1, 0, 1, "6.00"), NOTHING),
    ]
    assert points[1][2]["abandonment_rate"] == "33.3"
    assert dollars["totals"] == figures(1, 1, 0, 1, "50.00", "USD")


def test_carts_of_one_currency_without_comparison(api, analyst_token, carts):
    params = {**MARCH, "interval": "month", "compare": "none", "currency": "EUR"}
    body = api.get_json(CARTS, params, token=analyst_token).json()
    (euros,) = body["series"]
    assert euros["previous_totals"] is None
    ((point),) = euros["points"]
    assert (point["figures"], point["previous"]) == (figures(5, 4, 1, 2, "31.00"), None)


def test_a_shop_without_carts_shows_its_own_currency_at_zero(api, analyst_token, db):
    body = api.get_json(CARTS, MARCH, token=analyst_token).json()
    (euros,) = body["series"]
    assert (euros["currency"], euros["totals"]) == ("EUR", NOTHING)


def test_the_chore_sums_again_only_the_days_whose_carts_are_all_there(carts, settings):
    # a month and more later, the abandoned cart of the 2nd expired and was deleted: the 2nd
    # keeps its figures; a new cart counts on its day
    Cart.objects.filter(lines__unit_price=Decimal("10.00"), status=Open).delete()
    later = NOW + timedelta(days=settings.CART_TTL_DAYS + 1)
    make_cart(later - timedelta(hours=1), later - timedelta(hours=1), [(1, "3.00")])
    assert roll_up_carts(now=later) == 1
    second = DailyCarts.objects.get(day=date(2026, 3, 2), currency="EUR")
    assert (second.created, second.abandoned, second.abandoned_value) == (3, 1, Decimal("25.00"))
    new = DailyCarts.objects.get(day=later.date())
    assert (new.created, new.with_lines, new.abandoned) == (1, 1, 0)


def test_rebuild_sums_the_days_without_a_roll_up_and_keeps_the_others(carts, settings):
    later = NOW + timedelta(days=settings.CART_TTL_DAYS + 1)
    DailyCarts.objects.filter(day=date(2026, 3, 3)).delete()  # as before the migration
    DailyCarts.objects.filter(day=date(2026, 3, 2)).update(created=99)
    assert rebuild_carts(now=later) == 5
    # the 3rd summed from its cart, abandoned by now (untouched since the 12th)
    rebuilt = DailyCarts.objects.get(day=date(2026, 3, 3))
    assert (rebuilt.created, rebuilt.abandoned, rebuilt.abandoned_value) == (
        1,
        1,
        Decimal("7.50"),
    )
    assert DailyCarts.objects.get(day=date(2026, 3, 2)).created == 99  # kept
    assert DailyCarts.objects.count() == 5


def test_rebuild_analytics_and_the_housekeeping_sum_the_recent_carts(db):
    now = timezone.now()
    make_cart(now - timedelta(days=2), now - timedelta(days=2), [(2, "4.50")])
    assert "analytics_carts_rolled_up" in _chores
    call_command("rebuild_analytics", stdout=StringIO())
    (row,) = DailyCarts.objects.all()
    assert (row.created, row.abandoned, row.abandoned_value) == (1, 1, Decimal("9.00"))
    DailyCarts.objects.all().delete()
    assert _chores["analytics_carts_rolled_up"]() == 1


# --- customer value ---------------------------------------------------------------------


@pytest.fixture
def customers(db) -> dict:
    """Five customers with counted orders in March 2026 (and what must not count)."""
    a, b, c, d, e = (UserFactory(email=f"{n}@example.com") for n in "abcde")

    def order(user, day, price, currency="EUR"):
        return place(
            at=berlin(2026, *day, 12),
            lines=[Line(price)],
            shipping="0",
            user=user,
            currency=currency,
        )

    first = order(a, (3, 2), "40.00")
    pay(first)
    refund(first, "10.00", at=berlin(2026, 3, 25, 9))
    order(a, (3, 20), "30.00")
    order(a, (3, 30), "20.00")
    order(a, (2, 20), "500.00")  # before the range
    order(b, (3, 5), "100.00")
    order(b, (3, 28), "50.00")
    order(b, (3, 10), "50.00", currency="USD")
    order(c, (3, 29), "25.00")
    cancel(order(c, (3, 15), "70.00"))
    order(d, (3, 3), "60.00")
    order(d, (3, 4), "15.00")
    late = order(e, (3, 1), "10.00")
    pay(late)
    refund(late, "5.00", at=berlin(2026, 4, 2, 9))  # after the range
    order(None, (3, 10), "99.00")  # a guest
    run_tasks()
    return {"a": a, "b": b, "d": d}


MARCH_VALUE = {"from": "2026-03-01", "to": "2026-03-31"}


def test_customer_value_scores_and_segments(api, analyst_token, customers):
    response = api.get_json(VALUE, {**MARCH_VALUE, "limit": 3}, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    euros, dollars = body["currencies"]
    # a: 3 orders, 90.00 - 10.00 refunded = 80.00, last on the 30th; b: 2, 150.00, the 28th;
    # c: 1, 25.00, the 29th (the cancelled one is out); d: 2, 75.00, the 4th;
    # e: 1, 10.00, the 1st (its refund comes after the range's end)
    assert euros["lifetime_value"] == {
        "customers": 5,
        "orders": 9,
        "net_sales": eur("340.00"),
        "net_per_customer": eur("68.00"),
        "orders_per_customer": "1.80",
        "average_order_value": eur("37.78"),  # 340 / 9 = 37.777…
    }
    # R by last day: e 1, d 2, b 3, c 4, a 5. F by orders: c and e (1) share tile 1, b and
    # d (2) tile 3, a 5. M by net: e 1, c 2, d 3, a 4, b 5.
    keys = ("email", "orders", "first_order", "last_order", "recency", "frequency", "monetary")
    assert [
        (*(t[key] for key in keys), t["net_sales"]["amount"], t["segment"])
        for t in euros["top_customers"]
    ] == [
        ("b@example.com", 2, "2026-03-05", "2026-03-28", 3, 3, 5, "150.00", "need_attention"),
        ("a@example.com", 3, "2026-03-02", "2026-03-30", 5, 5, 4, "80.00", "champions"),
        ("d@example.com", 2, "2026-03-03", "2026-03-04", 2, 3, 3, "75.00", "at_risk"),
    ]
    assert euros["top_customers"][0]["customer_id"] == str(customers["b"].public_id)
    segments = {s["segment"]: s for s in euros["segments"]}
    assert list(segments) == [
        "champions",
        "loyal",
        "potential_loyalists",
        "new",
        "promising",
        "need_attention",
        "about_to_sleep",
        "cannot_lose",
        "at_risk",
        "hibernating",
    ]
    assert [
        (name, s["customers"], s["share"], s["orders"], s["net_sales"]["amount"])
        for name, s in segments.items()
        if s["customers"]
    ] == [
        ("champions", 1, "20.0", 3, "80.00"),
        ("promising", 1, "20.0", 1, "25.00"),  # c: R 4, F 1
        ("need_attention", 1, "20.0", 2, "150.00"),
        ("at_risk", 1, "20.0", 2, "75.00"),
        ("hibernating", 1, "20.0", 1, "10.00"),  # e: R 1, F 1
    ]
    assert segments["loyal"] == {
        "segment": "loyal",
        "customers": 0,
        "share": "0.0",
        "orders": 0,
        "net_sales": eur("0.00"),
    }
    # one dollar customer: every score is 1
    assert dollars["lifetime_value"]["net_per_customer"] == eur("50.00", "USD")
    (only,) = dollars["top_customers"]
    assert (only["email"], only["segment"], only["recency"]) == ("b@example.com", "hibernating", 1)


def test_customer_value_counts_the_refunds_made_by_the_range_end(api, analyst_token, customers):
    params = {"from": "2026-03-01", "to": "2026-04-05", "currency": "EUR"}
    (euros,) = api.get_json(VALUE, params, token=analyst_token).json()["currencies"]
    assert euros["lifetime_value"]["net_sales"] == eur("335.00")  # e's 5.00 on 2 April
    assert len(euros["top_customers"]) == 5  # the default limit is 10


def test_customer_value_of_a_shop_without_customers(api, analyst_token, db):
    (euros,) = api.get_json(VALUE, MARCH_VALUE, token=analyst_token).json()["currencies"]
    assert euros["lifetime_value"] == {
        "customers": 0,
        "orders": 0,
        "net_sales": eur("0.00"),
        "net_per_customer": None,
        "orders_per_customer": None,
        "average_order_value": None,
    }
    assert euros["top_customers"] == [] and euros["segments"][0]["share"] is None


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        (CARTS, {"interval": "day"}, 4),  # the roll-ups
        (CARTS, {"currency": "USD"}, 5),  # and the currency
        (VALUE, {}, 5),  # the segments, the top customers
        (VALUE, {"currency": "USD"}, 6),  # and the currency
    ],
)
def test_the_reports_run_a_fixed_number_of_queries(
    api, analyst_token, carts, customers, django_assert_num_queries, path, params, queries
):
    check_queries(api, analyst_token, path, {**MARCH, **params}, queries, django_assert_num_queries)


@pytest.mark.parametrize(
    ("path", "params", "code", "field"),
    [
        *range_errors(CARTS),
        *range_errors(VALUE),
        (CARTS, {**MARCH, "interval": "hour"}, "validation_error", "interval"),
        (CARTS, {**MARCH, "compare": "never"}, "validation_error", "compare"),
        (CARTS, {**MARCH, "to": "tomorrow"}, "validation_error", "to"),
        (VALUE, {**MARCH, "limit": 0}, "validation_error", "limit"),
        (VALUE, {**MARCH, "limit": 101}, "validation_error", "limit"),
        (VALUE, {**MARCH, "limit": "ten"}, "validation_error", "limit"),
    ],
)
def test_bad_input_gets_a_problem(api, analyst_token, db, path, params, code, field):
    check_bad_input(api, analyst_token, path, params, code, field)


@pytest.mark.parametrize("path", [CARTS, VALUE])
def test_the_reports_are_for_staff_with_the_analytics_permission(
    api, customer_token, staff_token_without_permissions, owner_token, db, path
):
    check_staff_only(
        api, path, MARCH, customer=customer_token, no_permission=staff_token_without_permissions
    )
    assert api.get_json(path, MARCH, token=owner_token).status_code == 200
