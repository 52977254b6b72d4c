"""The admin reports over HTTP: figures, comparison, intervals, query counts and bad input."""

import pytest

OVERVIEW = "/api/admin/analytics/overview"
REVENUE = "/api/admin/analytics/revenue"
MARCH = {"from": "2026-03-01", "to": "2026-03-10"}


def eur(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def test_overview_compares_with_the_previous_period(api, analyst_token, sales):
    response = api.get_json(
        OVERVIEW, {"from": "2026-03-02", "to": "2026-03-15"}, token=analyst_token
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {
        "from": "2026-03-02",
        "to": "2026-03-15",
        "compare": "previous_period",
        "previous_from": "2026-02-16",
        "previous_to": "2026-03-01",
    }
    assert [c["currency"] for c in body["currencies"]] == ["EUR", "USD"]
    euros = body["currencies"][0]
    assert euros["current"] == {
        "orders": 3,
        "units": 3,
        "gross_sales": eur("70.00"),
        "discounts": eur("0.00"),
        "refunds": eur("5.00"),
        "net_sales": eur("65.00"),
        "shipping": eur("0.00"),
        "tax": euros["current"]["tax"],
        "total_sales": eur("65.00"),
        "average_order_value": eur("21.67"),
    }
    assert euros["previous"]["orders"] == 1
    assert euros["previous"]["net_sales"] == eur("30.00")
    assert euros["change"] == {
        "net_sales": "116.7",
        "orders": "200.0",
        "average_order_value": "-27.8",
        "units": "200.0",
        "refunds": None,
    }
    dollars = body["currencies"][1]
    assert dollars["current"]["net_sales"] == eur("50.00", "USD")
    assert dollars["previous"]["orders"] == 0
    assert dollars["change"]["orders"] is None


def test_overview_of_one_currency_against_the_previous_year(api, analyst_token, sales):
    response = api.get_json(
        OVERVIEW,
        {"from": "2026-03-01", "to": "2026-03-31", "compare": "previous_year", "currency": "USD"},
        token=analyst_token,
    )
    body = response.json()
    period = body["period"]
    assert (period["previous_from"], period["previous_to"]) == ("2025-03-01", "2025-03-31")
    (dollars,) = body["currencies"]
    assert (dollars["currency"], dollars["current"]["orders"]) == ("USD", 1)
    assert dollars["previous"]["net_sales"] == eur("0.00", "USD")


def test_revenue_per_week(api, analyst_token, sales):
    params = {**MARCH, "to": "2026-03-15", "interval": "week", "currency": "EUR"}
    response = api.get_json(REVENUE, {**params, "compare": "none"}, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    (series,) = body["series"]
    assert series["previous_totals"] is None
    assert series["totals"]["net_sales"] == eur("65.00")
    # 1 March 2026 is a Sunday: the first week is cut to that day
    points = series["points"]
    assert [(p["from"], p["to"], p["figures"]["net_sales"]["amount"]) for p in points] == [
        ("2026-03-01", "2026-03-01", "0.00"),
        ("2026-03-02", "2026-03-08", "40.00"),
        ("2026-03-09", "2026-03-15", "25.00"),
    ]
    assert all(p["previous"] is None for p in series["points"])


def test_revenue_per_month_with_the_previous_period(api, analyst_token, sales):
    response = api.get_json(
        REVENUE,
        {"from": "2026-03-01", "to": "2026-03-31", "interval": "month"},
        token=analyst_token,
    )
    euros = response.json()["series"][0]
    (point,) = euros["points"]
    assert point["figures"]["orders"] == 3
    # the previous period: the 31 days before, 29 January to 28 February
    assert point["previous"]["orders"] == 1
    assert euros["previous_totals"]["gross_sales"] == eur("30.00")


def test_an_empty_shop_answers_zeros_in_its_currency(api, analyst_token):
    response = api.get_json(
        REVENUE,
        {"from": "2026-01-01", "to": "2026-12-31", "interval": "quarter"},
        token=analyst_token,
    )
    (series,) = response.json()["series"]
    assert series["currency"] == "EUR"
    assert [p["from"] for p in series["points"]] == [
        "2026-01-01",
        "2026-04-01",
        "2026-07-01",
        "2026-10-01",
    ]
    assert series["totals"]["average_order_value"] is None


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (OVERVIEW, {"from": "2026-01-01", "to": "2026-01-31"}),
        (REVENUE, {"from": "2026-01-01", "to": "2027-12-31", "interval": "day"}),
        (REVENUE, {"from": "2026-01-01", "to": "2026-01-31", "currency": "USD"}),
    ],
)
def test_a_report_runs_a_fixed_number_of_queries(
    api, analyst_token, sales, django_assert_num_queries, path, params
):
    # the token's session (with its user), the user's and its groups' permissions, the
    # roll-ups (and, for a currency other than the shop's, whether it has sales)
    with django_assert_num_queries(5 if "currency" in params else 4):
        response = api.get_json(path, params, token=analyst_token)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"from": "2026-03-10", "to": "2026-03-01"}, "invalid_range", "to"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "range_too_long", "to"),
        # the calendar's ends: a day before 1970 or after 2999 is refused, not a 500
        ({"from": "0001-01-01", "to": "0001-01-02"}, "invalid_range", "from"),
        (
            {"from": "9999-12-30", "to": "9999-12-31", "compare": "previous_year"},
            "invalid_range",
            "from",
        ),
        ({**MARCH, "interval": "fortnight"}, "validation_error", "interval"),
        ({**MARCH, "compare": "last_decade"}, "validation_error", "compare"),
        ({**MARCH, "currency": "CHF"}, "unknown_currency", "currency"),
        ({**MARCH, "currency": "eur!"}, "validation_error", "currency"),
        ({**MARCH, "from": "yesterday"}, "validation_error", "from"),
        ({"to": "2026-03-10"}, "validation_error", "from"),
    ],
)
def test_bad_input_gets_a_problem(api, analyst_token, sales, params, code, field):
    response = api.get_json(REVENUE, params, token=analyst_token)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert [e["field"] for e in body["errors"]] == [field]


def test_reports_are_for_staff_with_the_analytics_permission(
    api, customer_token, staff_token_without_permissions, owner_token, db
):
    params = {"from": "2026-03-01", "to": "2026-03-10"}
    for path in (OVERVIEW, REVENUE):
        assert api.get_json(path, params).status_code == 401
        assert api.get_json(path, params, token=customer_token).status_code == 401
        denied = api.get_json(path, params, token=staff_token_without_permissions)
        assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
        assert api.get_json(path, params, token=owner_token).status_code == 200
