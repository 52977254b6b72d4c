"""The tax reports on a small history built by hand (the shop's origin is Germany): sales
to France at two rates with a refund, a refund in the third quarter of a French order of the
second, a German sale, a reverse-charge sale to an Austrian business, a sale outside the EU
and a cancelled one."""

from decimal import Decimal

import pytest

from mercato.analytics.reports.taxes import TaxAmounts, quarter_days, split_refund
from mercato.analytics.tests.history import Line, cancel, pay, place, refund
from mercato.analytics.tests.reports import (
    berlin,
    check_bad_input,
    check_queries,
    check_staff_only,
    eur,
    range_errors,
)
from tests.support import run_tasks

TAXES = "/api/admin/analytics/taxes"
OSS = "/api/admin/analytics/taxes/oss"
Q3 = {"from": "2026-07-01", "to": "2026-09-30"}
D = Decimal


# (placed, price, shipping, country, rate, VAT number), all in euros
SALES = [
    # 100.00 + 20.00 VAT, shipping 10.00 + 2.00; 66.00 of it given back in August
    ((7, 10), "120.00", "12.00", "FR", "0.20", ""),
    ((7, 11), "105.50", "0", "FR", "0.055", ""),
    # placed in the second quarter, 12.00 of it refunded in the third
    ((6, 20), "60.00", "0", "FR", "0.20", ""),
    ((7, 12), "119.00", "0", "DE", "0.19", ""),
    ((8, 5), "200.00", "0", "AT", "0", "ATU12345678"),
    ((7, 15), "80.00", "0", "US", "0", ""),
    ((7, 20), "240.00", "5.00", "IT", "0.22", ""),  # cancelled
]
REFUNDS = {(7, 10): ("66.00", (8, 1)), (6, 20): ("12.00", (7, 2))}


@pytest.fixture
def sales(db):
    for day, price, shipping, country, rate, vat_number in SALES:
        order = place(
            at=berlin(2026, *day, 12),
            lines=[Line(price)],
            shipping=shipping,
            country=country,
            tax_rate=rate,
            vat_number=vat_number,
        )
        if day in REFUNDS:
            amount, when = REFUNDS[day]
            pay(order)
            refund(order, amount, at=berlin(2026, *when, 9))
        if country == "IT":
            pay(order)
            cancel(order)
    run_tasks()


def rows(block: dict) -> list[tuple]:
    return [
        (r["country"], r["rate"], r["taxable_amount"]["amount"], r["tax"]["amount"])
        for r in block["rows"]
    ]


def test_taxes_per_country_and_rate(api, analyst_token, sales):
    response = api.get_json(TAXES, {**Q3, "compare": "none"}, token=analyst_token)
    assert response.status_code == 200, response.content
    (block,) = response.json()["currencies"]
    assert rows(block) == [
        ("AT", "0", "200.00", "0.00"),
        ("DE", "19", "100.00", "19.00"),
        ("FR", "5.5", "100.00", "5.50"),
        # 110.00 + 22.00 sold, 55.00 + 11.00 and 10.00 + 2.00 refunded
        ("FR", "20", "45.00", "9.00"),
        ("US", "0", "80.00", "0.00"),
    ]
    assert block["totals"] == {"taxable_amount": eur("525.00"), "tax": eur("33.50")}
    assert block["previous_totals"] is None


def test_taxes_compare_with_the_previous_period(api, analyst_token, sales):
    params = {"from": "2026-06-01", "to": "2026-06-30", "currency": "EUR"}
    (block,) = api.get_json(TAXES, params, token=analyst_token).json()["currencies"]
    assert rows(block) == [("FR", "20", "50.00", "10.00")]
    assert block["rows"][0]["previous"] == {"taxable_amount": eur("0.00"), "tax": eur("0.00")}


def test_the_one_stop_shop_return(api, analyst_token, sales):
    response = api.get_json(OSS, {"quarter": "2026-Q3"}, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"], body["quarter"], body["origin_country"]) == (
        "2026-07-01",
        "2026-09-30",
        "2026-Q3",
        "DE",
    )
    (block,) = body["currencies"]
    # Germany is the origin, Austria's sale is reverse charge, the US are not a member state
    assert block["member_states"] == [
        {"country": "FR", "rate": "5.5", "taxable_amount": eur("100.00"), "vat": eur("5.50")},
        {"country": "FR", "rate": "20", "taxable_amount": eur("45.00"), "vat": eur("9.00")},
    ]
    assert (block["taxable_amount"], block["vat"]) == (eur("145.00"), eur("14.50"))
    assert block["reverse_charge"] == [
        {"vat_number": "ATU12345678", "country": "AT", "orders": 1, "amount": eur("200.00")}
    ]


def test_the_second_quarter_has_the_june_sale_unrefunded(api, analyst_token, sales):
    body = api.get_json(OSS, {"quarter": "2026-Q2", "currency": "EUR"}, token=analyst_token)
    (block,) = body.json()["currencies"]
    assert [(s["country"], s["vat"]["amount"]) for s in block["member_states"]] == [("FR", "10.00")]
    assert block["reverse_charge"] == []


def test_a_refund_is_split_over_the_rates_in_proportion():
    split = split_refund(
        D("50.00"), {D("0.19"): D("119.00"), D("0.07"): D("0.00"), D("0.20"): D("30.00")}
    )
    # 50 x 30/149 = 10.07 at 20 %; the largest part takes the rest, 39.93 at 19 %
    assert {rate: (p.taxable, p.tax) for rate, p in split.items()} == {
        D("0.20"): (D("8.39"), D("1.68")),
        D("0.19"): (D("33.55"), D("6.38")),
    }
    # an order that charged nothing: all of it taxable at 0 %
    assert split_refund(D("5.00"), {}) == {D("0"): TaxAmounts(taxable=D("5.00"))}


@pytest.mark.parametrize(
    ("quarter", "days"),
    [
        ("2026-Q1", ("2026-01-01", "2026-03-31")),
        ("2024-Q1", ("2024-01-01", "2024-03-31")),
        ("2026-Q4", ("2026-10-01", "2026-12-31")),
    ],
)
def test_quarter_days(quarter, days):
    assert tuple(str(d) for d in quarter_days(quarter)) == days


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        # the token's session, the permissions; the DailyTax roll-ups (refunds were split
        # when their facts were written: one query, refunds or not)
        (TAXES, Q3, 4),
        (TAXES, {"from": "2026-10-01", "to": "2026-10-31"}, 4),
        (OSS, {"quarter": "2026-Q3"}, 5),  # and the tax settings
        (OSS, {"quarter": "2026-Q2", "currency": "EUR"}, 5),
    ],
)
def test_tax_reports_run_a_fixed_number_of_queries(
    api, analyst_token, sales, django_assert_num_queries, path, params, queries
):
    check_queries(api, analyst_token, path, params, queries, django_assert_num_queries)


@pytest.mark.parametrize(
    ("path", "params", "code", "field"),
    [
        *range_errors(TAXES),
        (TAXES, {**Q3, "compare": "never"}, "validation_error", "compare"),
        (OSS, {}, "validation_error", "quarter"),
        (OSS, {"quarter": "2026-Q5"}, "validation_error", "quarter"),
        (
            OSS,
            {"quarter": "9999-Q4"},
            "validation_error",
            "quarter",
        ),  # no 500 at the calendar's end
        (OSS, {"quarter": "2026Q3"}, "validation_error", "quarter"),
        (OSS, {"quarter": "Q3-2026"}, "validation_error", "quarter"),
        (OSS, {"quarter": "2026-Q3", "currency": "CHF"}, "unknown_currency", "currency"),
        (OSS, {"quarter": "2026-Q3", "currency": "eur"}, "validation_error", "currency"),
    ],
)
def test_bad_input_gets_a_problem(api, analyst_token, db, path, params, code, field):
    check_bad_input(api, analyst_token, path, params, code, field)


@pytest.mark.parametrize(("path", "params"), [(TAXES, Q3), (OSS, {"quarter": "2026-Q3"})])
def test_tax_reports_are_for_staff_with_the_analytics_permission(
    api, customer_token, staff_token_without_permissions, owner_token, db, path, params
):
    check_staff_only(
        api, path, params, customer=customer_token, no_permission=staff_token_without_permissions
    )
    assert api.get_json(path, params, token=owner_token).status_code == 200
