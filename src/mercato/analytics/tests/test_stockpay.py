"""The stock and payments reports on small histories built by hand.

Stock: two warehouses. A (cost 8.00) has 10 in Berlin, 3 of them allocated to an order of
today, and 5 in Hamburg, and a cart holds 2 of it; B (no cost) has 4 in Berlin and never
sold; C (cost 5.00) has 2 in Hamburg, 1 allocated to an order of 40 days ago; D (cost 3.00)
has 1 in Berlin, allocated to an order of today.

Payments: in March a card declined then paid on an order of 30.00 (10.00 refunded since), a
manual payment still pending and a dollar card payment; in February (the compared range) a
card payment of 20.00."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mercato.analytics.models import PaymentFact
from mercato.analytics.tests.history import Line, pay, place, refund
from mercato.analytics.tests.reports import (
    berlin,
    check_bad_input,
    check_queries,
    check_staff_only,
    eur,
    range_errors,
)
from mercato.audit.services import SYSTEM
from mercato.catalog.models import ProductVariant
from mercato.catalog.tests.factories import make_product, variant
from mercato.inventory import services as inventory
from mercato.inventory.models import Reservation
from mercato.orders.models import Order
from mercato.payments import services as payments
from mercato.payments.models import Payment
from tests.support import run_tasks
from tests.support.orders import make_order, order_warehouse

STOCK = "/api/admin/analytics/stock"
PAYMENTS = "/api/admin/analytics/payments"
MARCH = {"from": "2026-03-01", "to": "2026-03-10"}
START = datetime(2026, 3, 27, tzinfo=ZoneInfo("UTC"))  # Europe leaves winter time on the 29th
ZERO = Decimal("0.00")


def _cost(item: ProductVariant, cost: str) -> None:
    ProductVariant.objects.filter(pk=item.pk).update(cost_price=Decimal(cost))


@pytest.fixture
def stock(db, settings) -> dict:
    settings.LOW_STOCK_THRESHOLD = 5
    berlin_wh, hamburg = order_warehouse("berlin"), order_warehouse("hamburg")
    (a,) = make_order(lines=[("20.00", 3)], stock=10, warehouse=berlin_wh).variants
    inventory.adjust_stock(variant=a, warehouse=hamburg, quantity=5, reason="count", actor=SYSTEM)
    Reservation.objects.create(
        reference="cart-1", variant=a, quantity=2, expires_at=timezone.now() + timedelta(hours=1)
    )
    b = make_product("Bolt", variants=[variant("4.00", sku="B-1")]).variants.get()
    inventory.adjust_stock(variant=b, warehouse=berlin_wh, quantity=4, reason="count", actor=SYSTEM)
    old = make_order(lines=[("12.00", 1)], stock=2, warehouse=hamburg)
    Order.objects.filter(pk=old.order.pk).update(placed_at=timezone.now() - timedelta(days=40))
    (c,) = old.variants
    (d,) = make_order(lines=[("9.00", 1)], stock=1, warehouse=berlin_wh).variants
    for item, cost in ((a, "8.00"), (c, "5.00"), (d, "3.00")):
        _cost(item, cost)
    run_tasks()
    return {"a": a, "b": b, "c": c, "d": d, "berlin": berlin_wh, "hamburg": hamburg}


def rows(body: dict) -> list[tuple]:
    return [
        (
            v["sku"],
            v["on_hand"],
            v["allocated"],
            v["reserved"],
            v["available"],
            v["value"] and v["value"]["amount"],
            v["sold"],
            v["daily_rate"],
            v["days_of_cover"],
            v["sell_through"],
            v["dead"],
        )
        for v in body["variants"]
    ]


def test_stock_per_warehouse_and_variant(api, analyst_token, stock):
    a, c, d = stock["a"], stock["c"], stock["d"]
    response = api.get_json(STOCK, {}, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["currency"], body["days"], body["filter"], body["warehouse"]) == (
        "EUR",
        30,
        "all",
        None,
    )
    keys = ("name", "variants", "on_hand", "allocated", "available", "value", "without_cost")
    found = [{**w, "value": w["value"]["amount"]} for w in body["warehouses"]]
    assert [tuple(w[k] for k in keys) for w in found] == [
        # A 10 x 8.00 + D 1 x 3.00; B has no cost
        ("Berlin", 3, 15, 4, 11, "83.00", 1),
        # A 5 x 8.00 + C 2 x 5.00
        ("Hamburg", 2, 7, 1, 6, "50.00", 0),
    ]
    assert body["totals"] == {
        "variants": 4,
        "on_hand": 22,
        "allocated": 5,
        "reserved": 2,
        "available": 15,  # A 15 - 3 - 2, B 4, C 2 - 1, D 1 - 1
        "value": eur("133.00"),
        "without_cost": 1,
        "sold": 4,  # A 3 and D 1 today; C's order is 40 days old
        "low": 3,  # B 4, C 1, D 0 available (threshold 5)
        "out": 1,
        "dead": 2,
    }
    assert rows(body) == [
        # 3 a day over 30: 10 available last 100 days; 3 of 3 + 15
        (a.sku, 15, 3, 2, 10, "120.00", 3, "0.10", "100.0", "16.7", False),
        (c.sku, 2, 1, 0, 1, "10.00", 0, "0.00", None, "0.0", True),
        (d.sku, 1, 1, 0, 0, "3.00", 1, "0.03", "0.0", "50.0", False),
        ("B-1", 4, 0, 0, 4, None, 0, "0.00", None, "0.0", True),  # no cost: not valued
    ]
    first = body["variants"][0]
    assert (first["unit_cost"], first["low_stock_threshold"]) == (eur("8.00"), 5)
    assert body["variants"][3]["unit_cost"] is None
    assert body["variants"][3]["product_name"] == "Bolt"


def test_stock_of_one_warehouse(api, analyst_token, stock):
    a, c = stock["a"], stock["c"]
    params = {"warehouse": str(stock["hamburg"].public_id)}
    body = api.get_json(STOCK, params, token=analyst_token).json()
    assert body["warehouse"] == params["warehouse"]
    assert [w["name"] for w in body["warehouses"]] == ["Hamburg"]
    totals = body["totals"]
    assert (totals["variants"], totals["on_hand"], totals["reserved"], totals["available"]) == (
        2,
        7,
        0,  # carts hold units of a variant, not of a warehouse
        6,
    )
    assert totals["value"] == eur("50.00")
    assert rows(body) == [
        (a.sku, 5, 0, 0, 5, "40.00", 3, "0.10", "50.0", "37.5", False),
        (c.sku, 2, 1, 0, 1, "10.00", 0, "0.00", None, "0.0", True),
    ]


def test_stock_sold_over_more_days(api, analyst_token, stock):
    c = stock["c"]
    body = api.get_json(STOCK, {"days": 60, "order_by": "sold"}, token=analyst_token).json()
    assert body["totals"]["sold"] == 5 and body["totals"]["dead"] == 1
    # C: 1 sold in 60 days; 1 available lasts 60 days more; 1 of 1 + 2
    assert (c.sku, 2, 1, 0, 1, "10.00", 1, "0.02", "60.0", "33.3", False) in rows(body)
    assert [v["sold"] for v in body["variants"]] == [3, 1, 1, 0]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"filter": "dead"}, ["c", "b"]),
        ({"filter": "out"}, ["d"]),
        ({"filter": "low", "order_by": "days_of_cover", "limit": 1}, ["d"]),
        ({"order_by": "on_hand", "limit": 2}, ["a", "b"]),
        ({"order_by": "sell_through", "limit": 2}, ["d", "a"]),
    ],
)
def test_stock_filters_and_orders(api, analyst_token, stock, params, expected):
    body = api.get_json(STOCK, params, token=analyst_token).json()
    assert [v["sku"] for v in body["variants"]] == [stock[key].sku for key in expected]


def test_stock_with_nothing_stocked(api, analyst_token, db):
    body = api.get_json(STOCK, {}, token=analyst_token).json()
    assert body["warehouses"] == [] and body["variants"] == []
    assert body["totals"]["value"] == eur("0.00") and body["totals"]["variants"] == 0


@pytest.fixture
def paid(db) -> dict:
    card = place(at=berlin(2026, 3, 3, 12), lines=[Line("30.00")], shipping="0")
    declined = payments.start_payment(order=card, provider="test", token="tok_declined")
    assert declined.status == Payment.Status.FAILED
    pay(card)
    refund(card, "10.00", at=berlin(2026, 3, 6, 9))
    manual = place(at=berlin(2026, 3, 4, 12), lines=[Line("15.00")], shipping="0")
    payments.start_payment(order=manual, provider="manual")
    dollars = place(at=berlin(2026, 3, 4, 12), currency="USD", lines=[Line("50.00")])
    pay(dollars)
    before = place(at=berlin(2026, 2, 25, 12), lines=[Line("20.00")], shipping="0")
    pay(before)
    for order in (card, manual, dollars, before):
        Payment.objects.filter(order=order).update(created_at=order.placed_at)
    run_tasks()
    return {"card": card}


def figures(item: dict) -> tuple:
    return (
        item["attempted"],
        item["authorized"],
        item["captured"],
        item["declined"],
        item["voided"],
        item["open"],
        item["decline_rate"],
        item["authorized_amount"]["amount"],
        item["captured_amount"]["amount"],
        item["refunded_amount"]["amount"],
        item["refund_rate"],
    )


def test_payment_facts_follow_the_payments(paid):
    card = paid["card"]
    facts = PaymentFact.objects.filter(order_id=card.pk).order_by("pk")
    assert [
        (f.day.isoformat(), f.provider, f.status, f.amount, f.authorized, f.captured, f.refunded)
        for f in facts
    ] == [
        ("2026-03-03", "test", "failed", Decimal("30.00"), 0, 0, 0),
        ("2026-03-03", "test", "partially_refunded", 30, 30, 30, 10),
    ]


def test_payments_per_currency_and_provider(api, analyst_token, paid):
    response = api.get_json(PAYMENTS, MARCH, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"]["previous_from"] == "2026-02-19"
    euros, dollars = body["currencies"]
    assert euros["currency"] == "EUR"
    # declined, paid (10.00 of 30.00 refunded), manual pending
    assert figures(euros["totals"]) == (
        3, 1, 1, 1, 0, 1, "33.3", "30.00", "30.00", "10.00", "33.3"
    )  # fmt: skip
    assert figures(euros["previous_totals"]) == (
        1, 1, 1, 0, 0, 0, "0.0", "20.00", "20.00", "0.00", "0.0"
    )  # fmt: skip
    test, manual = euros["providers"]
    assert test["provider"] == "test"
    assert figures(test) == (2, 1, 1, 1, 0, 0, "50.0", "30.00", "30.00", "10.00", "33.3")
    assert figures(test["previous"])[:3] == (1, 1, 1)
    assert manual["provider"] == "manual"
    assert figures(manual) == (1, 0, 0, 0, 0, 1, "0.0", "0.00", "0.00", "0.00", None)
    assert figures(manual["previous"])[0] == 0 and manual["previous"]["decline_rate"] is None
    assert dollars["currency"] == "USD"
    assert figures(dollars["totals"]) == (
        1, 1, 1, 0, 0, 0, "0.0", "55.00", "55.00", "0.00", "0.0"
    )  # fmt: skip
    assert dollars["totals"]["captured_amount"] == eur("55.00", "USD")


def test_payments_of_one_currency_without_comparison(api, analyst_token, paid):
    params = {**MARCH, "currency": "USD", "compare": "none"}
    body = api.get_json(PAYMENTS, params, token=analyst_token).json()
    (block,) = body["currencies"]
    assert block["previous_totals"] is None
    (card,) = block["providers"]
    assert (card["provider"], card["previous"]) == ("test", None)


def test_a_payment_event_refreshes_the_payment_facts(db):
    order = place(at=berlin(2026, 3, 3, 12), lines=[Line("30.00")], shipping="0")
    run_tasks()
    payments.start_payment(order=order, provider="test", token="tok_visa", capture=False)
    run_tasks()  # authorised only: the order's payment status changed, no payment event
    fact = PaymentFact.objects.get(order_id=order.pk)
    assert (fact.status, fact.authorized, fact.captured) == ("authorized", 30, 0)
    payments.capture_payment(payment=Payment.objects.get(order=order))
    run_tasks()
    fact.refresh_from_db()
    assert (fact.status, fact.captured) == ("captured", 30)


def test_a_payment_counts_on_its_own_day_and_follows_its_refunds(api, analyst_token, db):
    """The payments roll-up of a payment's day, not its order's, is summed again when the
    payment changes (a refund days later)."""
    order = place(at=berlin(2026, 3, 3, 12), lines=[Line("30.00")], shipping="0")
    pay(order)
    Payment.objects.filter(order=order).update(created_at=berlin(2026, 3, 5, 9))
    run_tasks()
    day = {"from": "2026-03-05", "to": "2026-03-05", "compare": "none"}
    (block,) = api.get_json(PAYMENTS, day, token=analyst_token).json()["currencies"]
    assert figures(block["totals"])[:3] == (1, 1, 1)
    assert block["totals"]["refunded_amount"]["amount"] == "0.00"
    order_day = {**day, "from": "2026-03-03", "to": "2026-03-03"}
    (empty,) = api.get_json(PAYMENTS, order_day, token=analyst_token).json()["currencies"]
    assert empty["totals"]["attempted"] == 0
    refund(order, "12.00", at=berlin(2026, 3, 8, 9))
    run_tasks()
    (block,) = api.get_json(PAYMENTS, day, token=analyst_token).json()["currencies"]
    assert block["totals"]["refunded_amount"]["amount"] == "12.00"


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        (STOCK, {}, 6),  # the warehouses, the totals, the variants
        (STOCK, {"filter": "low", "order_by": "days_of_cover"}, 6),
        (STOCK, {"warehouse": "hamburg"}, 7),  # and the warehouse
        (PAYMENTS, MARCH, 4),  # the payments roll-up
        (PAYMENTS, {**MARCH, "currency": "USD"}, 5),  # and the currency
    ],
)
def test_stock_and_payments_run_a_fixed_number_of_queries(
    api, analyst_token, stock, paid, django_assert_num_queries, path, params, queries
):
    if params.get("warehouse") == "hamburg":
        params = {**params, "warehouse": str(stock["hamburg"].public_id)}
    check_queries(api, analyst_token, path, params, queries, django_assert_num_queries)


@pytest.mark.parametrize(
    ("path", "params", "code", "field"),
    [
        *range_errors(PAYMENTS),
        (PAYMENTS, {**MARCH, "compare": "never"}, "validation_error", "compare"),
        (STOCK, {"warehouse": str(uuid4())}, "unknown_warehouse", "warehouse"),
        (STOCK, {"warehouse": "berlin"}, "validation_error", "warehouse"),
        (STOCK, {"days": 0}, "validation_error", "days"),
        (STOCK, {"days": 366}, "validation_error", "days"),
        (STOCK, {"days": "week"}, "validation_error", "days"),
        (STOCK, {"filter": "slow"}, "validation_error", "filter"),
        (STOCK, {"order_by": "price"}, "validation_error", "order_by"),
        (STOCK, {"limit": 0}, "validation_error", "limit"),
        (STOCK, {"limit": 501}, "validation_error", "limit"),
    ],
)
def test_bad_input_gets_a_problem(api, analyst_token, db, path, params, code, field):
    check_bad_input(api, analyst_token, path, params, code, field)


@pytest.mark.parametrize(("path", "params"), [(STOCK, {}), (PAYMENTS, MARCH)])
def test_stock_and_payments_are_for_staff_with_the_analytics_permission(
    api, customer_token, staff_token_without_permissions, owner_token, db, path, params
):
    check_staff_only(
        api, path, params, customer=customer_token, no_permission=staff_token_without_permissions
    )
    assert api.get_json(path, params, token=owner_token).status_code == 200


payment_histories = st.fixed_dictionaries(
    {
        "minutes": st.integers(0, 5 * 24 * 60),
        "currency": st.sampled_from(["EUR", "USD"]),
        "price": st.integers(100, 9_999),
        "declined": st.integers(0, 2),
        "paid_by": st.sampled_from(["card", "manual", "authorised", "none"]),
        "refund": st.integers(0, 100),
        "cancelled": st.booleans(),
    }
)


def make_payments(history: list[dict]) -> None:
    """Orders with declined cards, then a card payment (captured, or only authorised), a
    manual one or none; a part refunded; some cancelled. Each payment made when its order
    was placed, give or take the shop's time zone."""
    for spec in history:
        placed_at = START + timedelta(minutes=spec["minutes"])
        price = str(Decimal(spec["price"]) / 100)
        order = place(at=placed_at, currency=spec["currency"], lines=[Line(price)], shipping="0")
        for _ in range(spec["declined"]):
            payments.start_payment(order=order, provider="test", token="tok_declined")
        if spec["paid_by"] in ("card", "authorised"):
            captured = spec["paid_by"] == "card"
            payments.start_payment(order=order, provider="test", token="tok_visa", capture=captured)
        elif spec["paid_by"] == "manual":
            payments.start_payment(order=order, provider="manual")
        order.refresh_from_db()
        amount = (order.total_charged * spec["refund"] / 100).quantize(Decimal("0.01"))
        if amount > 0:
            payments.refund_order(order=order, amount=amount, actor=SYSTEM)
        if spec["cancelled"]:
            payments.cancel_order(order=order, actor=SYSTEM)
        Payment.objects.filter(order=order).update(created_at=placed_at)
        run_tasks()


def expected_payments(first: date, last: date) -> dict[tuple[str, str], list]:
    """Straight from the payments and transactions: per (currency, provider) the attempts
    made in the range, authorised, declined, and the money captured and refunded."""
    zone = ZoneInfo(django_settings.SHOP_TIME_ZONE)
    found: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, 0, ZERO, ZERO])
    for payment in Payment.objects.prefetch_related("transactions"):
        if not first <= payment.created_at.astimezone(zone).date() <= last:
            continue
        row = found[payment.currency, payment.provider]
        row[0] += 1
        row[1] += payment.status in Payment.AUTHORIZED_STATES
        row[2] += payment.status == Payment.Status.FAILED
        for txn in payment.transactions.all():
            if txn.success and txn.kind == "capture":
                row[3] += txn.amount
            elif txn.success and txn.kind == "refund":
                row[4] += txn.amount
    return found


@hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(payment_histories, min_size=1, max_size=5),
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Pacific/Auckland"]),
)
def test_payments_report_matches_the_payments(api, analyst_token, settings, history, zone):
    settings.SHOP_TIME_ZONE = zone
    first, last = date(2026, 3, 27), date(2026, 3, 30)
    with transaction.atomic():
        make_payments(history)
        params = {"from": str(first), "to": str(last), "compare": "none"}
        body = api.get_json(PAYMENTS, params, token=analyst_token).json()
        found = {
            (block["currency"], item["provider"]): [
                item["attempted"],
                item["authorized"],
                item["declined"],
                Decimal(item["captured_amount"]["amount"]),
                Decimal(item["refunded_amount"]["amount"]),
            ]
            for block in body["currencies"]
            for item in block["providers"]
        }
        assert found == expected_payments(first, last)
        incremental = list(PaymentFact.objects.order_by("pk").values())
        call_command("rebuild_analytics", stdout=StringIO())
        assert list(PaymentFact.objects.order_by("pk").values()) == incremental
        transaction.set_rollback(True)
