"""The report pages of the carts and customer value, categories and discounts, stock and
payments reports, on the histories their API tests build (analytics/tests/test_custcart.py,
test_catvouch.py, test_stockpay.py): the figures in the table, the charts and totals,
the CSV, the sort, the query count, bad input on the form (400 for a CSV), the empty states,
and who may see them."""

import json
from uuid import uuid4

import pytest

from mercato.analytics.admin.views import REPORTS
from mercato.analytics.tests import test_back_office, test_catvouch, test_custcart, test_stockpay
from mercato.analytics.tests.test_pages import download, table, url

# the fixtures of the report tests: the pages show the histories their API tests check
_today = test_back_office._today
analyst, owner, support = test_back_office.analyst, test_back_office.owner, test_back_office.support
carts, customers = test_custcart.carts, test_custcart.customers
catalog_history = test_catvouch.history
stock, paid = test_stockpay.stock, test_stockpay.paid

MARCH = {"start": "2026-03-01", "end": "2026-03-10"}
MARCH_VALUE = {"start": "2026-03-01", "end": "2026-03-31"}
PAGES = ["carts", "customer-value", "categories", "discounts", "stock", "payments"]
NOTHING = ["0", "0", "0", "0", "", "", "0.00"]  # no cart: no rate
NOTHING_COMPARED = ["0", "0", "0", "0", "", "0.00"]


def test_the_pages_are_in_the_sidebar(analyst, db):
    assert [r.slug for r in REPORTS][-len(PAGES) :] == PAGES
    html = analyst.get("/admin/").content.decode()
    for slug in PAGES:
        assert f'href="{url(slug)}"' in html


def test_the_carts_page_by_week_with_the_previous_period(analyst, carts):
    response = analyst.get(url("carts"), {**MARCH, "interval": "week"})

    # EUR: the week of the 2nd has 4 carts, 3 with lines: 1 ordered, 1 abandoned (2 x 10.00
    # + 5.00), 1 touched an hour before the sum; compared with 20 to 26 February (the week
    # shifted by the range's 10 days), the ordered cart of the 25th. The 9th: 3 x 2.00
    # abandoned, the merged cart left out. USD: one abandoned cart of 50.00.
    assert table(response) == [
        ["EUR", "2026-03-01", "2026-03-01", *NOTHING, *NOTHING_COMPARED],
        ["EUR", "2026-03-02", "2026-03-08", "4", "3", "1", "1", "33.3", "33.3", "25.00",
         "1", "1", "1", "0", "0.0", "0.00"],
        ["EUR", "2026-03-09", "2026-03-10", "1", "1", "0", "1", "100.0", "0.0", "6.00",
         *NOTHING_COMPARED],
        ["USD", "2026-03-01", "2026-03-01", *NOTHING, *NOTHING_COMPARED],
        ["USD", "2026-03-02", "2026-03-08", *NOTHING, *NOTHING_COMPARED],
        ["USD", "2026-03-09", "2026-03-10", "1", "1", "0", "1", "100.0", "0.0", "50.00",
         *NOTHING_COMPARED],
    ]  # fmt: skip
    html = response.content.decode()
    assert "Shop days 2026-03-01 to 2026-03-10, compared with 2026-02-19 to 2026-02-28" in html
    assert (
        "EUR: carts made 5, with lines 4, converted 1, abandoned 2 (50.0 %), abandoned value "
        "31.00 (compared range: carts made 1, with lines 1, converted 1, abandoned 0 (0.0 %), "
        "abandoned value 0.00)"
    ) in html
    assert "USD: carts made 1, with lines 1, converted 0, abandoned 1 (100.0 %)" in html
    # a chart per currency: the abandonment rate per week, and the compared week's
    charts = response.context["charts"]
    assert [(title, kind) for title, kind, _ in charts] == [("EUR", "bar"), ("USD", "bar")]
    assert html.count('data-type="bar"') == 2
    rows = download(analyst, "carts", {**MARCH, "interval": "week"})
    assert rows[0][:10] == [
        "Currency",
        "From",
        "To",
        "Carts made",
        "With lines",
        "Converted",
        "Abandoned",
        "Abandonment rate (%)",
        "Conversion rate (%)",
        "Abandoned value",
    ]
    assert rows[1:] == table(response)


def test_the_carts_chart_draws_the_abandonment_rate(analyst, carts):
    response = analyst.get(url("carts"), {**MARCH, "interval": "week", "currency": "EUR"})
    ((title, kind, data),) = response.context["charts"]
    assert (title, kind) == ("EUR", "bar")
    drawn = json.loads(data)
    assert drawn["labels"] == ["2026-03-01", "2026-03-02", "2026-03-09"]
    assert [(d["label"], d["data"]) for d in drawn["datasets"]] == [
        ("Abandonment rate, % (EUR)", [0.0, 33.3, 100.0]),
        ("Compared range", [0.0, 0.0, 0.0]),
    ]


def test_the_carts_page_of_one_currency_without_comparison_sorted(analyst, carts):
    params = {**MARCH, "interval": "day", "compare": "none", "sort": "-abandoned_value"}
    response = analyst.get(url("carts"), params)

    rows = table(response)
    assert len(rows) == 20  # ten days, two currencies
    assert [(row[0], row[1], row[9], row[10]) for row in rows[:3]] == [
        ("USD", "2026-03-09", "50.00", ""),  # nothing compared: blank
        ("EUR", "2026-03-02", "25.00", ""),
        ("EUR", "2026-03-09", "6.00", ""),
    ]
    assert "compared with" not in response.content.decode()
    assert download(analyst, "carts", params)[1:] == rows  # the table's order
    # by the abandonment rate, ascending: the days without a cart with lines last
    by_rate = table(analyst.get(url("carts"), {**params, "sort": "abandonment_rate"}))
    assert [row[7] for row in by_rate[:4]] == ["0.0", "50.0", "100.0", "100.0"]
    assert {row[7] for row in by_rate[4:]} == {""}


def test_the_customer_value_page(analyst, customers):
    response = analyst.get(url("customer-value"), {**MARCH_VALUE, "limit": "3"})
    a, b, d = (str(customers[name].public_id) for name in "abd")

    # a: 3 orders, 90.00 - 10.00 refunded = 80.00; b: 2, 150.00; c: 1, 25.00 (the cancelled
    # order is out); d: 2, 75.00; e: 1, 10.00 (refunded after the range's end); the guest is
    # out. R by the last day, F by orders (ties share the lowest tile), M by net, as the API.
    def segment(currency, name, count="0", of="0.0", orders="0", net="0.00"):
        return [currency, "RFM segment", "", "", "", name, count, of, orders, net] + [""] * 5

    def top(currency, rank, email, public_id, name, orders, net, first, last, r, f, m):
        return [currency, "Top customer", rank, email, public_id, name, "", "", orders, net,
                first, last, r, f, m]  # fmt: skip

    assert table(response) == [
        segment("EUR", "Champions", "1", "20.0", "3", "80.00"),
        segment("EUR", "Loyal"),
        segment("EUR", "Potential loyalists"),
        segment("EUR", "New"),
        segment("EUR", "Promising", "1", "20.0", "1", "25.00"),
        segment("EUR", "Need attention", "1", "20.0", "2", "150.00"),
        segment("EUR", "About to sleep"),
        segment("EUR", "Cannot lose"),
        segment("EUR", "At risk", "1", "20.0", "2", "75.00"),
        segment("EUR", "Hibernating", "1", "20.0", "1", "10.00"),
        top("EUR", "1", "b@example.com", b, "Need attention", "2", "150.00", "2026-03-05",
            "2026-03-28", "3", "3", "5"),
        top("EUR", "2", "a@example.com", a, "Champions", "3", "80.00", "2026-03-02",
            "2026-03-30", "5", "5", "4"),
        top("EUR", "3", "d@example.com", d, "At risk", "2", "75.00", "2026-03-03",
            "2026-03-04", "2", "3", "3"),
        *(segment("USD", name) for name in ("Champions", "Loyal", "Potential loyalists",
          "New", "Promising", "Need attention", "About to sleep", "Cannot lose", "At risk")),
        segment("USD", "Hibernating", "1", "100.0", "1", "50.00"),
        top("USD", "1", "b@example.com", b, "Hibernating", "1", "50.00", "2026-03-10",
            "2026-03-10", "1", "1", "1"),
    ]  # fmt: skip
    html = response.content.decode()
    assert (
        "EUR: customers 5, orders 9, net sales 340.00; net per customer 68.00, orders per "
        "customer 1.80, average order value 37.78"
    ) in html
    assert "USD: customers 1, orders 1, net sales 50.00; net per customer 50.00" in html
    assert "compare" not in response.context["form"].fields
    assert "compared with" not in html
    # per currency: customers per segment, and their net sales
    charts = response.context["charts"]
    assert [title for title, _, _ in charts] == [
        "EUR: customers per segment",
        "EUR: net sales per segment",
        "USD: customers per segment",
        "USD: net sales per segment",
    ]
    assert html.count('data-type="bar"') == 4
    rows = download(analyst, "customer-value", {**MARCH_VALUE, "limit": "3"})
    assert rows[0] == [
        "Currency",
        "Part",
        "Rank",
        "Email",
        "Customer ID",
        "Segment",
        "Customers",
        "Share (%)",
        "Orders",
        "Net sales",
        "First order",
        "Last order",
        "R",
        "F",
        "M",
    ]
    assert rows[1:] == table(response)


def test_the_customer_value_chart_per_segment(analyst, customers):
    params = {**MARCH_VALUE, "currency": "EUR"}
    charts = analyst.get(url("customer-value"), params).context["charts"]
    (_, _, count), (_, _, net) = charts
    count, net = json.loads(count), json.loads(net)
    assert count["labels"][:3] == ["Champions", "Loyal", "Potential loyalists"]
    assert count["datasets"][0]["data"] == [1, 0, 0, 0, 1, 1, 0, 0, 1, 1]
    assert net["datasets"][0]["label"] == "Net sales (EUR)"
    assert net["datasets"][0]["data"] == [80.0, 0, 0, 0, 25.0, 150.0, 0, 0, 75.0, 10.0]


def test_the_customer_value_page_counts_refunds_by_the_range_end_sorted(analyst, customers):
    params = {"start": "2026-03-01", "end": "2026-04-05", "currency": "EUR", "sort": "-net"}
    response = analyst.get(url("customer-value"), params)

    rows = table(response)
    # the default limit is 10: all five customers; e's 5.00 refunded on 2 April counts now
    tops = [row for row in rows if row[1] == "Top customer"]
    assert [(row[3], row[9]) for row in tops] == [
        ("b@example.com", "150.00"),
        ("a@example.com", "80.00"),
        ("d@example.com", "75.00"),
        ("c@example.com", "25.00"),
        ("e@example.com", "5.00"),
    ]
    assert rows[0][1:10] == ["RFM segment", "", "", "", "Need attention", "1", "20.0", "2",
                             "150.00"]  # fmt: skip
    assert "EUR: customers 5, orders 9, net sales 335.00" in response.content.decode()
    assert download(analyst, "customer-value", params)[1:] == rows


# The queries of a page: the session, the user, its two-factor device, the user's and its
# groups' permissions (5); the currencies of the form (1); a currency other than the shop's
# is checked (1); then the report's selector, as its API runs it: carts 1 (the roll-ups),
# customer value 2 (the segments, the top customers with their accounts). Whatever the
# number of carts, orders or customers.
QUERIES = [
    ("carts", {**MARCH, "interval": "day"}, 7),
    ("carts", {**MARCH, "currency": "USD"}, 8),
    ("customer-value", MARCH_VALUE, 8),
    ("customer-value", {**MARCH_VALUE, "currency": "USD"}, 9),
]


@pytest.mark.parametrize(("slug", "params", "queries"), QUERIES)
def test_a_page_runs_a_fixed_number_of_queries(
    analyst, carts, customers, django_assert_num_queries, slug, params, queries
):
    with django_assert_num_queries(queries):
        response = analyst.get(url(slug), params)
    assert response.status_code == 200 and response.context["cells"]
    assert response.context["empty"] is None


# (page, a bad parameter, the form field that refuses it), as the API refuses them
BAD = [
    ("carts", {**MARCH, "interval": "hour"}, "interval"),
    ("carts", {**MARCH, "compare": "never"}, "compare"),
    ("carts", {**MARCH, "end": "tomorrow"}, "end"),
    ("carts", {"start": "2026-03-11", "end": "2026-03-10"}, "end"),
    ("carts", {**MARCH, "currency": "CHF"}, "currency"),
    ("customer-value", {**MARCH, "limit": "0"}, "limit"),
    ("customer-value", {**MARCH, "limit": "101"}, "limit"),
    ("customer-value", {**MARCH, "limit": "ten"}, "limit"),
    ("customer-value", {**MARCH, "start": "2026-03-11"}, "end"),
    ("customer-value", {**MARCH, "start": "March"}, "start"),
    ("customer-value", {**MARCH, "currency": "eur"}, "currency"),
    ("categories", {**MARCH, "by": "brand"}, "by"),
    ("categories", {**MARCH, "parent": "clothing"}, "parent"),
    ("categories", {**MARCH, "parent": str(uuid4())}, "parent"),  # unknown_category
    ("categories", {**MARCH, "by": "collection", "parent": str(uuid4())}, "parent"),
    ("categories", {**MARCH, "compare": "never"}, "compare"),
    ("categories", {"start": "2026-03-11", "end": "2026-03-10"}, "end"),
    ("discounts", {**MARCH, "end": "March"}, "end"),
    ("discounts", {**MARCH, "currency": "CHF"}, "currency"),
    ("stock", {"warehouse": str(uuid4())}, "warehouse"),  # unknown_warehouse
    ("stock", {"warehouse": "berlin"}, "warehouse"),
    ("stock", {"days": "0"}, "days"),
    ("stock", {"days": "366"}, "days"),
    ("stock", {"days": "week"}, "days"),
    ("stock", {"filter": "slow"}, "filter"),
    ("stock", {"order_by": "price"}, "order_by"),
    ("stock", {"limit": "0"}, "limit"),
    ("stock", {"limit": "501"}, "limit"),
    ("payments", {**MARCH, "compare": "never"}, "compare"),
    ("payments", {"start": "2020-01-01", "end": "2026-01-01"}, "end"),  # range_too_long
]


@pytest.mark.parametrize(("slug", "params", "field"), BAD)
def test_bad_input_is_refused_on_the_form_and_in_the_csv(analyst, db, slug, params, field):
    page = analyst.get(url(slug), params)
    assert page.status_code == 200
    assert page.context["form"].errors[field]
    assert "cells" not in page.context
    refused = analyst.get(url(slug), {**params, "format": "csv"})
    assert refused.status_code == 400
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert f"\n{field}: " in refused.content.decode()


@pytest.mark.parametrize("slug", [slug for slug in PAGES if slug != "stock"])
def test_a_range_too_long_is_refused(analyst, db, settings, slug):
    settings.ANALYTICS_MAX_RANGE_DAYS = 10
    page = analyst.get(url(slug), {"start": "2026-01-01", "end": "2026-03-01"})
    assert "A report covers at most 10 days." in page.content.decode()
    assert page.context["form"].errors["end"]


def test_the_comparison_is_no_parameter_of_customer_value(analyst, customers):
    # as the API, the report compares nothing: a compare in the query string is not read
    response = analyst.get(url("customer-value"), {**MARCH_VALUE, "compare": "bogus"})
    assert response.context["form"].errors == {}
    assert response.context["period"].previous is None


@pytest.mark.parametrize("slug", PAGES)
def test_staff_without_the_reports_permission_get_403(support, slug):
    assert support.get(url(slug)).status_code == 403
    assert support.get(url(slug), {"format": "csv"}).status_code == 403


def test_the_owner_sees_every_page(owner, db):
    for slug in PAGES:
        assert owner.get(url(slug)).status_code == 200, slug


def test_a_shop_without_carts_says_how_they_are_counted(analyst, db):
    response = analyst.get(url("carts"), MARCH)
    html = response.content.decode()
    assert "No cart counted yet" in html and "data-empty" in html
    assert response.context["charts"][0][0] == "EUR"  # the shop's currency, at zero
    assert 'id="report-table"' in html  # the headers stay, for the CSV's sake


def test_a_range_without_carts_says_so(analyst, carts):
    html = analyst.get(url("carts"), {"start": "2025-01-01", "end": "2025-01-31"}).content
    assert "No cart was made in this range. Choose another range." in html.decode()


def test_a_shop_without_orders_has_no_customer_value(analyst, db):
    response = analyst.get(url("customer-value"))
    html = response.content.decode()
    assert "No orders yet" in html and "data-empty" in html
    assert response.context["charts"] == []  # no customer: nothing to draw
    assert len(response.context["cells"]) == 10  # the segments, at zero


def test_a_range_without_customers_says_so(analyst, customers):
    params = {"start": "2025-01-01", "end": "2025-01-31"}
    html = analyst.get(url("customer-value"), params).content.decode()
    assert "No customer with an account placed a counted order in this range" in html


# --- categories and collections, vouchers and promotions ---------------------------------


def test_the_categories_page_at_the_top_of_the_tree(analyst, catalog_history):
    response = analyst.get(url("categories"), MARCH)
    clothing = str(catalog_history["clothing"].public_id)

    rows = table(response)
    # Clothing counts Shirts: the tees (30.00 + 13.00) and the scarf; the cancelled order is
    # out; compared with 19 to 28 February: a tee, 20.00 less 5.00 and 1.50 off
    assert rows[0] == ["EUR", clothing, "Clothing", "clothing", "1", "4", "53.00", "2", "64.6",
                       "1", "13.50", "292.6"]  # fmt: skip
    assert [row[2:] for row in rows[1:4]] == [
        ["Books", "books", "0", "1", "12.00", "1", "14.6", "0", "0.00", ""],
        ["Toys", "toys", "0", "0", "0.00", "0", "0.0", "0", "0.00", ""],
        # the mug (no category) and the line of a deleted variant
        ["(no category, or deleted since)", "", "", "2", "17.00", "1", "20.7", "0", "0.00", ""],
    ]
    assert [row[0] for row in rows[4:]] == ["USD"] * 4
    assert rows[4][2:9] == ["Books", "books", "0", "1", "50.00", "1", "100.0"]
    html = response.content.decode()
    assert (
        "EUR: units 7, net sales 82.00, orders 3 (compared range: units 1, net sales 13.50, "
        "orders 1)"
    ) in html
    assert [title for title, _, _ in response.context["charts"]] == ["EUR", "USD"]
    assert [h["label"] for h in response.context["headers"]][2] == "Category"
    assert download(analyst, "categories", MARCH)[1:] == rows


def test_the_categories_page_under_a_parent_and_by_collection(analyst, catalog_history):
    clothing = catalog_history["clothing"]
    params = {**MARCH, "parent": str(clothing.public_id), "currency": "EUR"}
    response = analyst.get(url("categories"), params)

    assert [row[2:9] for row in table(response)] == [
        ["Shirts", "clothing/shirts", "0", "3", "43.00", "2", "81.1"],
        ["(filed in Clothing itself)", "", "", "1", "10.00", "1", "18.9"],  # the scarf
    ]
    assert "The children of Clothing (clothing)" in response.content.decode()
    collections = {**MARCH, "by": "collection", "currency": "EUR", "sort": "-orders"}
    rows = table(analyst.get(url("categories"), collections))
    # a tee is in both; Winter sold nothing and is left out; sorted by orders
    assert [(row[2], row[4], row[5], row[6], row[7], row[8]) for row in rows] == [
        ("Gifts", "", "4", "50.00", "3", "61.0"),
        ("Summer", "", "4", "55.00", "2", "67.1"),
        ("(in no collection)", "", "2", "20.00", "2", "24.4"),
    ]


def test_the_discounts_page(analyst, catalog_history):
    response = analyst.get(url("discounts"), MARCH)
    sale = str(catalog_history["sale"].public_id)

    # SPRING: order B, 35.00 listed less 10.00 off and 5.00 refunded (D was cancelled); the
    # deleted promotion as its line kept it; the dollar order used neither
    assert table(response) == [
        ["EUR", "Voucher", "SPRING", "", "1", "", "", "5.00", "20.00", "1.50", "13.50", "233.3"],
        ["EUR", "Voucher", "WELCOME", "", "1", "", "", "1.00", "17.00", "0.00", "0.00", ""],
        ["EUR", "Promotion", "Tee sale", sale, "", "2", "3", "15.00", "43.00", "5.00", "13.50",
         "200.0"],
        ["EUR", "Promotion", "Old deal", "", "", "1", "1", "2.00", "10.00", "0.00", "0.00", ""],
    ]  # fmt: skip
    html = response.content.decode()
    assert (
        "EUR: vouchers took 6.00 off 2 orders (net sales 37.00); promotions took 17.00 off 3 "
        "lines (net sales 53.00) (compared range: vouchers 1.50, promotions 5.00)"
    ) in html
    ((title, kind, data),) = response.context["charts"]
    drawn = json.loads(data)
    assert (title, kind, drawn["labels"]) == (
        "EUR",
        "bar",
        ["Voucher SPRING", "Voucher WELCOME", "Promotion Tee sale", "Promotion Old deal"],
    )
    assert [d["data"] for d in drawn["datasets"]] == [[5.0, 1.0, 15.0, 2.0], [1.5, 0, 5.0, 0]]
    rows = download(analyst, "discounts", {**MARCH, "sort": "-net"})
    assert [row[2] for row in rows[1:]] == ["Tee sale", "SPRING", "WELCOME", "Old deal"]


def test_a_currency_without_discounts_says_so(analyst, catalog_history):
    response = analyst.get(url("discounts"), {**MARCH, "currency": "USD"})
    assert response.context["cells"] == [] and response.context["charts"] == []
    assert "Nothing in this range" in response.content.decode()


# --- stock and payments -------------------------------------------------------------------


def test_the_stock_page(analyst, stock):
    a, c, d = stock["a"], stock["c"], stock["d"]
    response = analyst.get(url("stock"))

    def named(item):
        return [str(item.pk), item.sku, item.product.name, item.name]

    # A: 15 on hand (10 + 5), 3 allocated, 2 reserved by a cart; 3 sold today: 0.10 a day
    # over 30, its 10 available last 100 days, 3 of 3 + 15 sold through. C sold 40 days ago:
    # dead. B has no cost: not valued. The low-stock threshold is 5.
    assert table(response) == [
        [*named(a), "15", "3", "2", "10", "5", "8.00", "120.00", "3", "0.10", "100.0", "16.7",
         "no"],
        [*named(c), "2", "1", "0", "1", "5", "5.00", "10.00", "0", "0.00", "", "0.0", "yes"],
        [*named(d), "1", "1", "0", "0", "5", "3.00", "3.00", "1", "0.03", "0.0", "50.0", "no"],
        [*named(stock["b"]), "4", "0", "0", "4", "5", "", "", "0", "0.00", "", "0.0", "yes"],
    ]  # fmt: skip
    html = response.content.decode()
    assert (
        "Berlin: 3 variants on hand, on hand 15, allocated 4, available 11, value at cost "
        "83.00 EUR, 1 without a cost"
    ) in html
    assert (
        "Total: 4 variants, on hand 22, allocated 5, reserved 2, available 15, value at cost "
        "133.00 EUR (1 without a cost), 4 units sold; low 3, out 1, dead 2"
    ) in html
    form = response.context["form"]
    assert set(form.fields) == {"warehouse", "days", "filter", "order_by", "limit"}
    assert [label for _, label in form.fields["warehouse"].choices] == [
        "Every warehouse",
        "Berlin",
        "Hamburg",
    ]
    period = response.context["period"]
    assert (period.end - period.start).days == 29 and period.previous is None
    ((title, _, data),) = response.context["charts"]
    drawn = json.loads(data)
    assert (title, drawn["labels"]) == ("Units per warehouse", ["Berlin", "Hamburg"])
    assert [d["data"] for d in drawn["datasets"]] == [[15.0, 7.0], [11.0, 6.0]]
    rows = download(analyst, "stock", {})
    assert rows[0][:5] == ["ID", "SKU", "Product", "Variant", "On hand"]
    assert rows[1:] == table(response)


def test_the_stock_page_of_one_warehouse_filtered_and_sorted(analyst, stock):
    a, c = stock["a"], stock["c"]
    hamburg = {"warehouse": str(stock["hamburg"].public_id)}
    rows = table(analyst.get(url("stock"), hamburg))
    assert [row[1:] for row in rows] == [
        [a.sku, a.product.name, a.name, "5", "0", "0", "5", "5", "8.00", "40.00", "3", "0.10",
         "50.0", "37.5", "no"],
        [c.sku, c.product.name, c.name, "2", "1", "0", "1", "5", "5.00", "10.00", "0", "0.00",
         "", "0.0", "yes"],
    ]  # fmt: skip
    dead = table(analyst.get(url("stock"), {"filter": "dead"}))
    assert [row[1] for row in dead] == [c.sku, "B-1"]
    fewest = {"filter": "low", "order_by": "days_of_cover", "limit": "1"}
    assert [row[1] for row in table(analyst.get(url("stock"), fewest))] == [stock["d"].sku]
    longer = table(analyst.get(url("stock"), {"days": "60", "sort": "-sold"}))
    assert [(row[1], row[11], row[13]) for row in longer][:3] == [
        (a.sku, "3", "200.0"),
        (c.sku, "1", "60.0"),  # ties keep the report's order: most value first
        (stock["d"].sku, "1", "0.0"),
    ]


def test_a_filter_without_variants_and_a_shop_without_stock_say_so(analyst, stock):
    html = analyst.get(
        url("stock"), {"filter": "out", "warehouse": str(stock["hamburg"].public_id)}
    )
    assert "No variant is shown: none matches this filter" in html.content.decode()


def test_nothing_stocked_says_so(analyst, db):
    response = analyst.get(url("stock"))
    assert "Nothing is stocked yet" in response.content.decode()
    assert response.context["cells"] == [] and response.context["charts"] == []


def test_the_payments_page(analyst, paid):
    response = analyst.get(url("payments"), MARCH)

    # EUR test: a declined attempt and a paid one (10.00 of 30.00 refunded); manual: pending;
    # compared with 19 to 28 February: one paid attempt of 20.00
    assert table(response) == [
        ["EUR", "test", "2", "1", "1", "1", "0", "0", "50.0", "30.00", "30.00", "10.00", "33.3",
         "1", "0.0", "20.00", "50.0"],
        ["EUR", "manual", "1", "0", "0", "0", "0", "1", "0.0", "0.00", "0.00", "0.00", "",
         "0", "", "0.00", ""],
        ["USD", "test", "1", "1", "1", "0", "0", "0", "0.0", "55.00", "55.00", "0.00", "0.0",
         "0", "", "0.00", ""],
    ]  # fmt: skip
    html = response.content.decode()
    assert (
        "EUR: attempts 3, declined 1 (33.3 %), captured 30.00, refunded 10.00 (33.3 %) "
        "(compared range: attempts 1, declined 0 (0.0 %), captured 20.00, refunded 0.00 (0.0 %))"
    ) in html
    charts = response.context["charts"]
    assert [title for title, _, _ in charts] == ["EUR", "USD"]
    drawn = json.loads(charts[0][2])
    assert drawn["labels"] == ["test", "manual"]
    assert [d["data"] for d in drawn["datasets"]] == [[50.0, 0.0], [0.0, 0.0]]
    rows = download(analyst, "payments", {**MARCH, "sort": "-captured"})
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("USD", "test"),
        ("EUR", "test"),
        ("EUR", "manual"),
    ]


def test_the_payments_page_of_one_currency_without_comparison(analyst, paid):
    params = {**MARCH, "currency": "USD", "compare": "none"}
    assert table(analyst.get(url("payments"), params)) == [
        ["USD", "test", "1", "1", "1", "0", "0", "0", "0.0", "55.00", "55.00", "0.00", "0.0",
         "", "", "", ""],
    ]  # fmt: skip


# The queries of these pages: the session and permissions (5), the form's currencies (1;
# stock: the warehouses instead), a currency other than the shop's (1), then the selector's
# as in the API: categories 2 (the children; the groups and the totals; a parent is looked
# up by the form and by the selector), collections 2 (the groups and the totals, the names),
# discounts 3 (the codes, the promotions, the promotions' names), stock 3 (the warehouses,
# the totals, the variants; a warehouse 1 more), payments 1.
MORE_QUERIES = [
    ("categories", MARCH, "catalog_history", 8),
    ("categories", {**MARCH, "parent": "clothing"}, "catalog_history", 10),
    ("categories", {**MARCH, "by": "collection", "currency": "USD"}, "catalog_history", 9),
    ("discounts", MARCH, "catalog_history", 9),
    ("stock", {}, "stock", 9),
    ("stock", {"filter": "low", "order_by": "days_of_cover"}, "stock", 9),
    ("stock", {"warehouse": "hamburg"}, "stock", 10),
    ("payments", MARCH, "paid", 7),
    ("payments", {**MARCH, "currency": "USD"}, "paid", 8),
]


@pytest.mark.parametrize(("slug", "params", "history_fixture", "queries"), MORE_QUERIES)
def test_the_other_pages_run_a_fixed_number_of_queries(
    request, analyst, django_assert_num_queries, slug, params, history_fixture, queries
):
    found = request.getfixturevalue(history_fixture)
    if params.get("parent") == "clothing":
        params = {**params, "parent": str(found["clothing"].public_id)}
    if params.get("warehouse") == "hamburg":
        params = {**params, "warehouse": str(found["hamburg"].public_id)}
    with django_assert_num_queries(queries):
        response = analyst.get(url(slug), params)
    assert response.status_code == 200 and response.context["cells"]
    assert response.context["empty"] is None
