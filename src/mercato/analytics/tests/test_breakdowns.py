"""The orders and products reports on a small history built by hand: an order of two real
products with one unit returned and refunded, an order of a variant deleted since shipped to
France by express, a cancelled order, a dollar order, and an order in the compared range."""

from datetime import date

import pytest

from mercato.analytics.events_models import DailyProductTraffic
from mercato.analytics.tests.history import Line, cancel, pay, place
from mercato.analytics.tests.reports import (
    berlin,
    check_bad_input,
    check_queries,
    check_staff_only,
    eur,
    range_errors,
)
from mercato.audit.services import SYSTEM
from mercato.orders.models import Order
from mercato.orders.services.returns import (
    ReturnItem,
    approve_return,
    receive_return,
    request_return,
)
from mercato.orders.tests.test_returns import deliver_all
from mercato.payments import services as payments
from mercato.payments.models import Transaction
from mercato.payments.services import refund_return
from tests.support import run_tasks
from tests.support.orders import make_order

ORDERS = "/api/admin/analytics/orders"
PRODUCTS = "/api/admin/analytics/products"
MARCH = {"from": "2026-03-01", "to": "2026-03-10"}


@pytest.fixture
def shop(db) -> dict:
    placed = make_order()  # 2 x 20.00 + 15.00, 4.90 shipping, to Germany
    Order.objects.filter(pk=placed.order.pk).update(placed_at=berlin(2026, 3, 2, 12))
    pay(placed.order)
    deliver_all(placed, SYSTEM)
    first = placed.order.lines.order_by("pk").first()
    asked = request_return(order=placed.order, lines=[ReturnItem(first, 1, "")], actor=SYSTEM)
    approve_return(order_return=asked, actor=SYSTEM)
    receive_return(order_return=asked, actor=SYSTEM)
    refund_return(order_return=asked, actor=SYSTEM)  # 20.00 back
    Transaction.objects.filter(kind="refund").update(created_at=berlin(2026, 3, 5, 9))
    french = place(at=berlin(2026, 3, 3, 12), lines=[Line("30.00")], shipping="0", country="FR")
    Order.objects.filter(pk=french.pk).update(shipping_method_name="Express")
    payments.start_payment(order=french, provider="manual")
    cancelled = place(at=berlin(2026, 3, 4, 12), lines=[Line("99.00")])
    pay(cancelled)
    cancel(cancelled)
    place(at=berlin(2026, 3, 4, 12), currency="USD", lines=[Line("50.00")], country="US")
    place(at=berlin(2026, 2, 25, 12), lines=[Line("10.00")], shipping="0")  # unpaid
    run_tasks()
    return {"variants": placed.variants}


def groups(body: dict, currency: str = "EUR") -> list[tuple]:
    (block,) = [c for c in body["currencies"] if c["currency"] == currency]
    return [
        (
            g["key"],
            g["orders"],
            g["net_sales"]["amount"],
            g["share"],
            g["previous"] and (g["previous"]["orders"], g["previous"]["net_sales"]["amount"]),
        )
        for g in block["groups"]
    ]


def test_orders_by_country(api, analyst_token, shop):
    response = api.get_json(ORDERS, {**MARCH, "by": "country"}, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["by"] == "country"
    assert body["period"]["previous_from"] == "2026-02-19"
    # Germany: 55.00 listed less the 20.00 refunded on the 5th; the cancelled order is out
    assert groups(body) == [
        ("DE", 1, "35.00", "53.8", (1, "10.00")),
        ("FR", 1, "30.00", "46.2", (0, "0.00")),
    ]
    euros = body["currencies"][0]
    assert euros["totals"] == {"orders": 2, "net_sales": eur("65.00")}
    assert euros["previous_totals"] == {"orders": 1, "net_sales": eur("10.00")}
    assert groups(body, "USD") == [("US", 1, "50.00", "100.0", (0, "0.00"))]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("status", [("partially_returned", 1, "35.00"), ("unfulfilled", 1, "30.00")]),
        ("shipping_method", [("Standard", 1, "35.00"), ("Express", 1, "30.00")]),
        # the order of the compared range was never paid
        ("payment_provider", [("test", 1, "35.00"), ("manual", 1, "30.00"), ("", 0, "0.00")]),
    ],
)
def test_orders_by_status_method_and_provider(api, analyst_token, shop, by, expected):
    params = {**MARCH, "by": by, "currency": "EUR"}
    body = api.get_json(ORDERS, params, token=analyst_token).json()
    assert [row[:3] for row in groups(body)] == expected


def test_orders_without_comparison(api, analyst_token, shop):
    params = {**MARCH, "by": "country", "compare": "none", "currency": "USD"}
    body = api.get_json(ORDERS, params, token=analyst_token).json()
    (block,) = body["currencies"]
    assert block["previous_totals"] is None
    assert block["groups"][0]["previous"] is None


def test_products_by_net_sales(api, analyst_token, shop):
    first, second = shop["variants"]
    response = api.get_json(PRODUCTS, {**MARCH, "currency": "EUR"}, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["by"], body["order_by"]) == ("product", "net_sales")
    (block,) = body["currencies"]
    items = block["items"]
    assert [(i["id"], i["units"], i["net_sales"]["amount"]) for i in items] == [
        (first.product_id, 2, "40.00"),
        (None, 1, "30.00"),  # its variant was deleted since: no catalog id
        (second.product_id, 1, "15.00"),
    ]
    top = items[0]
    assert top["name"] == first.product.name
    assert (top["returned_units"], top["return_rate"], top["sku"]) == (1, "50.0", None)
    assert top["gross_sales"] == eur("40.00") and top["discounts"] == eur("0.00")
    assert top["previous"] == {"units": 0, "net_sales": eur("0.00")}
    assert items[1]["name"] is None and items[1]["return_rate"] == "0.0"
    # no storefront events: no views, so no rates; a deleted variant's lines have no product
    assert [(i["orders"], i["views"], i["add_to_carts"]) for i in items] == [
        (1, 0, 0),
        (1, None, None),
        (1, 0, 0),
    ]
    assert (top["add_to_cart_rate"], top["conversion"]) == (None, None)


def test_variants_by_units_with_a_limit(api, analyst_token, shop):
    first, _ = shop["variants"]
    params = {**MARCH, "by": "variant", "order_by": "units", "limit": 1, "compare": "none"}
    body = api.get_json(PRODUCTS, params, token=analyst_token).json()
    euros, dollars = body["currencies"]
    (item,) = euros["items"]
    assert (item["id"], item["sku"], item["units"], item["previous"]) == (
        first.pk,
        first.sku,
        2,
        None,
    )
    assert [i["units"] for i in dollars["items"]] == [1]
    assert (item["views"], item["add_to_carts"], item["conversion"]) == (None, None, None)


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        (ORDERS, {"by": "country"}, 4),  # the order groups roll-ups
        (ORDERS, {"by": "payment_provider", "currency": "USD"}, 5),  # and the currency
        # stale spans, line facts, the products' names, their traffic (and the line
        # roll-ups when the range holds a whole month or week that is not stale: test_rollups)
        (PRODUCTS, {}, 7),
        (PRODUCTS, {"by": "variant", "currency": "USD"}, 6),  # no names: a deleted variant
    ],
)
def test_breakdowns_run_a_fixed_number_of_queries(
    api, analyst_token, shop, django_assert_num_queries, path, params, queries
):
    check_queries(api, analyst_token, path, {**MARCH, **params}, queries, django_assert_num_queries)


@pytest.mark.parametrize(
    ("path", "params", "code", "field"),
    [
        *range_errors(ORDERS, by="status"),
        *range_errors(PRODUCTS),
        (ORDERS, {**MARCH}, "validation_error", "by"),
        (ORDERS, {**MARCH, "by": "colour"}, "validation_error", "by"),
        (ORDERS, {**MARCH, "by": "status", "compare": "never"}, "validation_error", "compare"),
        (PRODUCTS, {**MARCH, "by": "category"}, "validation_error", "by"),
        (PRODUCTS, {**MARCH, "order_by": "views"}, "validation_error", "order_by"),
        (PRODUCTS, {**MARCH, "limit": 0}, "validation_error", "limit"),
        (PRODUCTS, {**MARCH, "limit": 101}, "validation_error", "limit"),
    ],
)
def test_bad_input_gets_a_problem(api, analyst_token, db, path, params, code, field):
    check_bad_input(api, analyst_token, path, params, code, field)


@pytest.mark.parametrize(
    ("path", "params"), [(ORDERS, {**MARCH, "by": "status"}), (PRODUCTS, MARCH)]
)
def test_breakdowns_are_for_staff_with_the_analytics_permission(
    api, customer_token, staff_token_without_permissions, owner_token, db, path, params
):
    check_staff_only(
        api, path, params, customer=customer_token, no_permission=staff_token_without_permissions
    )
    assert api.get_json(path, params, token=owner_token).status_code == 200


def test_products_carry_their_views_and_adds_to_cart(api, analyst_token, shop):
    first, _ = shop["variants"]
    product = first.product_id
    DailyProductTraffic.objects.bulk_create(
        [
            DailyProductTraffic(day=date(2026, 3, 1), product_id=product, views=5, add_to_carts=1),
            DailyProductTraffic(day=date(2026, 3, 3), product_id=product, views=3, add_to_carts=1),
            # the compared range, and after the range: not counted
            DailyProductTraffic(day=date(2026, 2, 25), product_id=product, views=40),
            DailyProductTraffic(day=date(2026, 3, 11), product_id=product, views=60),
        ]
    )
    body = api.get_json(PRODUCTS, {**MARCH, "currency": "EUR"}, token=analyst_token).json()
    top = body["currencies"][0]["items"][0]
    assert top["id"] == product
    # 8 views, 2 adds to cart (25 %), 1 order with the product (12.5 % of the views)
    assert (top["views"], top["add_to_carts"], top["add_to_cart_rate"], top["conversion"]) == (
        8,
        2,
        "25.0",
        "12.5",
    )
