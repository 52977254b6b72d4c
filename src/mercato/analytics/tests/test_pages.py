"""The report pages of the breakdown and shoppers' path reports (orders, products, taxes, OSS
return, customers, cohorts, funnel, search terms), on the histories their API tests build:
the figures in the table, the CSV, the query count, bad input on the form (400 for a CSV),
the empty states, and who may see them."""

import csv
import io

import pytest

from mercato.analytics.admin.views import REPORTS
from mercato.analytics.tests import (
    test_back_office,
    test_breakdowns,
    test_customers,
    test_taxes,
    test_traffic,
)

# the fixtures of the report tests: the pages show the histories their API tests check
_today = test_back_office._today
analyst, owner, support = test_back_office.analyst, test_back_office.owner, test_back_office.support
shop = test_breakdowns.shop
tax_sales = test_taxes.sales
history = test_customers.history
sessions = test_traffic.sessions

MARCH = {"start": "2026-03-01", "end": "2026-03-10"}
Q3 = {"start": "2026-07-01", "end": "2026-09-30"}
PAGES = ["orders", "products", "taxes", "oss", "customers", "cohorts", "funnel", "search"]


def url(slug: str) -> str:
    return f"/admin/reports/{slug}/"


def table(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[-2000:]
    return response.context["cells"]


def download(client, slug: str, params: dict) -> list[list[str]]:
    response = client.get(url(slug), {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_every_report_has_a_page_in_the_sidebar(analyst, db):
    assert [r.slug for r in REPORTS][2 : 2 + len(PAGES)] == PAGES
    html = analyst.get("/admin/").content.decode()
    for slug in PAGES:
        assert f'href="{url(slug)}"' in html


def test_the_orders_page_by_country(analyst, shop):
    response = analyst.get(url("orders"), {**MARCH, "by": "country"})

    # Germany: 55.00 listed less the 20.00 refunded on the 5th; the cancelled order is out
    assert table(response) == [
        ["EUR", "DE", "1", "35.00", "53.8", "1", "10.00", "250.0"],
        ["EUR", "FR", "1", "30.00", "46.2", "0", "0.00", ""],
        ["USD", "US", "1", "50.00", "100.0", "0", "0.00", ""],
    ]
    assert [h["label"] for h in response.context["headers"]][:2] == ["Currency", "Shipping country"]
    html = response.content.decode()
    assert "EUR: orders 2, net sales 65.00 (compared range: orders 1, net sales 10.00)" in html
    assert html.count('data-type="bar"') == 2  # one chart per currency
    rows = download(analyst, "orders", {**MARCH, "by": "country"})
    assert rows[0] == [
        "Currency",
        "Shipping country",
        "Orders",
        "Net sales",
        "Share (%)",
        "Compared orders",
        "Compared net sales",
        "Change (%)",
    ]
    assert rows[1:] == table(response)


def test_the_orders_page_by_provider_sorted_by_orders(analyst, shop):
    params = {**MARCH, "by": "payment_provider", "currency": "EUR", "sort": "-previous_orders"}
    response = analyst.get(url("orders"), params)

    # the order of the compared range was never paid: no provider
    assert [row[1:4] for row in table(response)] == [
        ["", "0", "0.00"],
        ["test", "1", "35.00"],
        ["manual", "1", "30.00"],
    ]
    assert "<td" in response.content.decode() and ">—</td>" in response.content.decode()
    rows = download(analyst, "orders", params)
    assert [row[1] for row in rows[1:]] == ["", "test", "manual"]  # the table's order


def test_the_products_page(analyst, shop):
    first, second = shop["variants"]
    response = analyst.get(url("products"), {**MARCH, "currency": "EUR"})

    assert table(response) == [
        ["EUR", str(first.product_id), first.product.name, "", "2", "40.00", "0.00", "40.00",
         "1", "50.0", "0", "0.00", ""],
        # its variant was deleted since: no catalog id, no name; the February order's line
        # (10.00) is one too, in the compared range
        ["EUR", "", "", "", "1", "30.00", "0.00", "30.00", "0", "0.0", "1", "10.00", "200.0"],
        ["EUR", str(second.product_id), second.product.name, "", "1", "15.00", "0.00", "15.00",
         "0", "0.0", "0", "0.00", ""],
    ]  # fmt: skip
    html = response.content.decode()
    assert 'data-type="bar"' in html and "(deleted from the catalog)" in html  # its bar
    assert download(analyst, "products", {**MARCH, "currency": "EUR"})[1:] == table(response)


def test_the_variants_page_by_units_with_a_limit(analyst, shop):
    first, _ = shop["variants"]
    params = {**MARCH, "by": "variant", "order_by": "units", "limit": "1", "compare": "none"}
    rows = table(analyst.get(url("products"), params))

    assert [row[:5] + row[10:] for row in rows] == [
        ["EUR", str(first.pk), f"{first.product.name} {first.name}".strip(), first.sku, "2",
         "", "", ""],
        ["USD", rows[1][1], rows[1][2], rows[1][3], "1", "", "", ""],
    ]  # fmt: skip


def test_the_taxes_page(analyst, tax_sales):
    response = analyst.get(url("taxes"), {**Q3, "compare": "none"})

    assert table(response) == [
        ["EUR", "AT", "0", "200.00", "0.00", "", ""],
        ["EUR", "DE", "19", "100.00", "19.00", "", ""],
        ["EUR", "FR", "5.5", "100.00", "5.50", "", ""],
        # 110.00 + 22.00 sold, 55.00 + 11.00 and 10.00 + 2.00 refunded
        ["EUR", "FR", "20", "45.00", "9.00", "", ""],
        ["EUR", "US", "0", "80.00", "0.00", "", ""],
    ]
    assert "EUR: taxable amount 525.00, tax 33.50" in response.content.decode()
    rows = download(analyst, "taxes", {**Q3, "compare": "none", "sort": "-tax"})
    assert [row[1:3] for row in rows[1:3]] == [["DE", "19"], ["FR", "20"]]


def test_the_taxes_page_compares_with_the_previous_period(analyst, tax_sales):
    params = {"start": "2026-06-01", "end": "2026-06-30", "currency": "EUR"}
    assert table(analyst.get(url("taxes"), params)) == [
        ["EUR", "FR", "20", "50.00", "10.00", "0.00", "0.00"]
    ]


def test_the_oss_return_page(analyst, tax_sales):
    response = analyst.get(url("oss"), {"quarter": "2026-Q3"})

    assert table(response) == [
        ["EUR", "One-stop shop", "FR", "5.5", "", "", "100.00", "5.50"],
        ["EUR", "One-stop shop", "FR", "20", "", "", "45.00", "9.00"],
        ["EUR", "Reverse charge", "AT", "", "ATU12345678", "1", "200.00", ""],
    ]
    html = response.content.decode()
    assert "Shop days 2026-07-01 to 2026-09-30." in html
    assert "EUR: taxable amount 145.00, VAT 14.50" in html
    assert "origin country DE" in html
    response = analyst.get(url("oss"), {"quarter": "2026-Q3", "format": "csv"})
    assert 'filename="oss-2026-07-01-2026-09-30.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Currency", "Part", "Country"] and rows[1:] == table(
        analyst.get(url("oss"), {"quarter": "2026-Q3"})
    )


def test_the_oss_page_starts_on_the_last_quarter_ended(analyst, tax_sales):
    # today is 10 March 2026: the return to make is that of 2025's fourth quarter
    response = analyst.get(url("oss"))
    assert response.context["form"]["quarter"].value() == "2025-Q4"
    assert response.context["cells"] == []
    second = table(analyst.get(url("oss"), {"quarter": "2026-Q2"}))
    assert second == [["EUR", "One-stop shop", "FR", "20", "", "", "50.00", "10.00"]]


def test_the_customers_page(analyst, history):
    params = {"start": "2026-02-01", "end": "2026-03-31", "interval": "month", "compare": "none"}
    response = analyst.get(url("customers"), params)

    assert table(response) == [
        ["EUR", "2026-02-01", "2026-02-28", "1", "1", "10.00", "0", "0", "0.00", "0", "0.00",
         "0.0", "", ""],
        # Ada had ordered in February: returning in March, with both her orders
        ["EUR", "2026-03-01", "2026-03-31", "1", "1", "40.00", "1", "2", "50.00", "1", "5.00",
         "50.0", "", ""],
        ["USD", "2026-02-01", "2026-02-28", "0", "0", "0.00", "0", "0", "0.00", "0", "0.00",
         "", "", ""],
        ["USD", "2026-03-01", "2026-03-31", "1", "1", "50.00", "0", "0", "0.00", "0", "0.00",
         "0.0", "", ""],
    ]  # fmt: skip
    assert response.content.decode().count('data-type="bar"') == 2
    assert download(analyst, "customers", params)[1:] == table(response)


def test_the_customers_page_compares_each_week(analyst, history):
    params = {"start": "2026-03-01", "end": "2026-03-31", "interval": "week", "currency": "EUR"}
    rows = table(analyst.get(url("customers"), params))
    # the compared range is the 31 days before (29 January to 28 February), each week shifted
    # by 31 days: the week of 23 March compares with 20 to 26 February, Ada's first order
    assert [(row[1], row[3], row[6], row[12], row[13]) for row in rows] == [
        ("2026-03-01", "0", "0", "0", "0"),
        ("2026-03-02", "0", "1", "0", "0"),
        ("2026-03-09", "1", "0", "0", "0"),
        ("2026-03-16", "0", "1", "0", "0"),
        ("2026-03-23", "0", "0", "1", "0"),
        ("2026-03-30", "0", "0", "0", "0"),
    ]


def test_the_cohorts_page_is_the_retention_matrix(analyst, history):
    params = {"start": "2026-02-10", "end": "2026-04-30"}
    response = analyst.get(url("cohorts"), params)

    assert [h["label"] for h in response.context["headers"]] == [
        "Currency",
        "Cohort",
        "Customers",
        "Month 0 (%)",
        "Month 1 (%)",
        "Month 2 (%)",
    ]
    assert table(response) == [
        ["EUR", "2026-02", "1", "100.0", "100.0", "0.0"],  # Ada
        ["EUR", "2026-03", "1", "100.0", "100.0", ""],  # Bob
        ["EUR", "2026-04", "0", "", "", ""],
        ["USD", "2026-02", "0", "", "", ""],
        ["USD", "2026-03", "1", "100.0", "0.0", ""],  # Cy
        ["USD", "2026-04", "0", "", "", ""],
    ]
    html = response.content.decode()
    assert "compared with" not in html
    assert "compare" not in response.context["form"].fields
    # drawn as unfold's cohort matrix too, one per currency, shaded by the share
    assert 'data-cohort="EUR"' in html and 'data-cohort="USD"' in html
    assert [(title, kind) for title, kind, _ in response.context["charts"]] == [
        ("EUR", "cohort"),
        ("USD", "cohort"),
    ]
    euros = response.context["charts"][0][2]
    ada = euros["rows"][0]
    assert ada["header"] == {"title": "2026-02", "subtitle": "1 customer"}
    assert [(c["value"], c["color"]) for c in ada["cols"]] == [
        ("100.0 %", "bg-primary-600 text-white dark:bg-primary-500"),
        ("100.0 %", "bg-primary-600 text-white dark:bg-primary-500"),
        ("0.0 %", ""),
    ]
    assert download(analyst, "cohorts", params)[1:] == table(response)


def test_the_funnel_page(analyst, sessions):
    response = analyst.get(url("funnel"), MARCH)

    assert table(response) == [
        ["Sessions", "6", "", "100.0", "1", "", "500.0"],
        ["Viewed a product", "5", "83.3", "83.3", "1", "100.0", "400.0"],
        ["Added to cart", "2", "40.0", "33.3", "0", "0.0", ""],
        ["Started checkout", "1", "50.0", "16.7", "0", "", ""],
        ["Ordered", "1", "100.0", "16.7", "0", "", ""],
    ]
    assert "currency" not in response.context["form"].fields
    assert 'data-type="bar"' in response.content.decode()
    assert download(analyst, "funnel", MARCH)[1:] == table(response)


def test_the_search_terms_page(analyst, sessions):
    response = analyst.get(url("search"), {**MARCH, "limit": "5"})

    assert table(response) == [
        ["Most searched", "1", "shirt", "1", "0"],
        ["Most searched", "2", "socks", "1", "1"],
        ["Most searched without a result", "1", "socks", "1", "1"],
    ]
    html = response.content.decode()
    assert "2 searches, 1 without a result (compared range: 0 searches, 0 without" in html
    rows = download(analyst, "search", {**MARCH, "sort": "-no_result"})
    assert rows[0] == ["List", "Rank", "Term", "Searches", "Without a result"]
    assert [row[2] for row in rows[1:]] == ["socks", "socks", "shirt"]


# The queries of a page: the session, the user, its two-factor device, the user's and its
# groups' permissions (5); the currencies of the form (1; the sessions' reports have none);
# then the report's selector, as its API runs it: orders 1 (the order groups roll-ups),
# products 4 (stale spans, the line facts, the names, the traffic; and the line roll-ups
# with a whole month or week in the range), taxes 1 (the tax roll-ups: refunds were split
# when their facts were written), OSS 2 (the shop's origin, then the taxes'), customers 4
# (daily sales, the two customer roll-ups, and the exact part of a window that starts after
# the 1st of a month), cohorts 2, funnel 1, search 3. Whatever the number of orders,
# sessions or terms.
QUERIES = [
    ("orders", {**MARCH, "by": "country"}, "shop", 7),
    ("products", MARCH, "shop", 10),
    ("taxes", {**Q3, "compare": "none"}, "tax_sales", 7),
    ("oss", {"quarter": "2026-Q3"}, "tax_sales", 8),
    ("customers", {**MARCH, "interval": "week"}, "history", 10),
    ("cohorts", MARCH, "history", 8),
    ("funnel", MARCH, "sessions", 6),
    ("search", MARCH, "sessions", 8),
]


@pytest.mark.parametrize(("slug", "params", "history_fixture", "queries"), QUERIES)
def test_a_page_runs_a_fixed_number_of_queries(
    request, analyst, django_assert_num_queries, slug, params, history_fixture, queries
):
    request.getfixturevalue(history_fixture)
    with django_assert_num_queries(queries):
        response = analyst.get(url(slug), params)
    assert response.status_code == 200 and response.context["cells"]


# (page, a bad parameter, the form field that refuses it)
BAD = [
    ("orders", {**MARCH, "by": "planet"}, "by"),
    ("products", {**MARCH, "limit": "0"}, "limit"),
    ("products", {**MARCH, "order_by": "price"}, "order_by"),
    ("taxes", {**MARCH, "currency": "JPY"}, "currency"),
    ("oss", {"quarter": "2026-Q5"}, "quarter"),
    ("oss", {"quarter": "2026-Q3", "currency": "CHF"}, "currency"),
    ("customers", {**MARCH, "interval": "decade"}, "interval"),
    ("cohorts", {"start": "2026-03-10", "end": "2026-03-01"}, "end"),
    ("funnel", {**MARCH, "compare": "bogus"}, "compare"),
    ("search", {**MARCH, "limit": "101"}, "limit"),
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


def test_a_range_too_long_is_refused(analyst, db, settings):
    settings.ANALYTICS_MAX_RANGE_DAYS = 10
    page = analyst.get(url("funnel"), {"start": "2026-01-01", "end": "2026-03-01"})
    assert "A report covers at most 10 days." in page.content.decode()


@pytest.mark.parametrize("slug", PAGES)
def test_staff_without_the_reports_permission_get_403(support, slug):
    assert support.get(url(slug)).status_code == 403
    assert support.get(url(slug), {"format": "csv"}).status_code == 403


def test_the_owner_sees_every_page(owner, db):
    for slug in PAGES:
        assert owner.get(url(slug)).status_code == 200, slug


@pytest.mark.parametrize(
    ("slug", "params", "message"),
    [
        ("orders", {"start": "2025-01-01", "end": "2025-01-31"}, "Nothing in this range"),
        ("taxes", {"start": "2025-01-01", "end": "2025-01-31"}, "Nothing in this range"),
        ("oss", {"quarter": "2025-Q1"}, "Nothing in this range"),
        ("products", {"start": "2025-01-01", "end": "2025-01-31"}, "Nothing in this range"),
        ("customers", {"start": "2025-01-01", "end": "2025-01-31"}, "Nothing in this range"),
    ],
)
def test_a_range_without_sales_says_so(analyst, shop, slug, params, message):
    response = analyst.get(url(slug), params)
    html = response.content.decode()
    assert message in html and "data-empty" in html
    assert 'id="report-table"' in html  # the headers stay, for the CSV's sake


def test_guests_make_no_cohort_and_the_page_says_so(analyst, shop):
    html = analyst.get(url("cohorts"), MARCH).content.decode()
    assert "No customer with an account placed a first order in these months" in html


def test_without_storefront_sessions_the_pages_say_what_to_do(analyst, shop):
    for slug in ("funnel", "search"):
        html = analyst.get(url(slug), MARCH).content.decode()
        assert "No storefront session in this range" in html, slug
        assert "POST /api/store/analytics/events" in html


def test_a_shop_without_orders_says_so_on_every_sales_page(analyst, db):
    for slug in ("orders", "products", "taxes", "oss", "customers", "cohorts"):
        html = analyst.get(url(slug)).content.decode()
        assert "No orders yet" in html, slug
