"""The customers and cohorts reports on a small history built by hand: Ada orders in
February and twice in March, Bob for the first time in March and again in April, Cy in March
in dollars only, a guest orders in March, and Dee's March order is cancelled."""

import pytest

from mercato.analytics.tests.history import Line, cancel, pay, place
from mercato.analytics.tests.reports import (
    berlin,
    check_bad_input,
    check_queries,
    check_staff_only,
    range_errors,
)
from tests.support import UserFactory, run_tasks

CUSTOMERS = "/api/admin/analytics/customers"
COHORTS = "/api/admin/analytics/customers/cohorts"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def history(db):
    ada, bob, cy, dee = UserFactory.create_batch(4)
    for user, day, price in (
        (ada, (2, 20), "10.00"),
        (ada, (3, 3), "20.00"),
        (ada, (3, 20), "30.00"),
        (bob, (3, 10), "40.00"),
        (bob, (4, 2), "15.00"),
    ):
        place(at=berlin(2026, *day, 12), lines=[Line(price)], shipping="0", user=user)
    place(at=berlin(2026, 3, 11, 12), currency="USD", lines=[Line("50.00")], user=cy)
    place(at=berlin(2026, 3, 12, 12), lines=[Line("5.00")], shipping="0")
    cancelled = place(at=berlin(2026, 3, 13, 12), lines=[Line("99.00")], user=dee)
    pay(cancelled)
    cancel(cancelled)
    run_tasks()


def split(figures: dict) -> tuple:
    groups = [
        (figures[g].get("customers"), figures[g]["orders"], figures[g]["sales"]["amount"])
        for g in ("new", "returning", "guests")
    ]
    return (*groups, figures["returning_share"])


def test_new_and_returning_customers_per_month(api, analyst_token, history):
    params = {"from": "2026-02-01", "to": "2026-03-31", "interval": "month", "compare": "none"}
    response = api.get_json(CUSTOMERS, params, token=analyst_token)
    assert response.status_code == 200, response.content
    euros, dollars = response.json()["series"]
    assert euros["currency"] == "EUR"
    february, march = euros["points"]
    assert split(february["figures"]) == ((1, 1, "10.00"), (0, 0, "0.00"), (None, 0, "0.00"), "0.0")
    # Ada had ordered in February: returning in March, with both her orders
    assert split(march["figures"]) == ((1, 1, "40.00"), (1, 2, "50.00"), (None, 1, "5.00"), "50.0")
    # over the whole range Ada is new: her first order is in it
    assert split(euros["totals"]) == ((2, 4, "100.00"), (0, 0, "0.00"), (None, 1, "5.00"), "0.0")
    assert split(dollars["totals"])[0] == (1, 1, "50.00")
    assert euros["previous_totals"] is None and march["previous"] is None


def test_a_customer_is_returning_in_a_later_week_of_the_range(api, analyst_token, history):
    params = {**MARCH, "interval": "week", "currency": "EUR"}
    (euros,) = api.get_json(CUSTOMERS, params, token=analyst_token).json()["series"]
    by_week = {p["from"]: split(p["figures"])[:2] for p in euros["points"]}
    assert by_week["2026-03-02"] == ((0, 0, "0.00"), (1, 1, "20.00"))
    assert by_week["2026-03-09"] == ((1, 1, "40.00"), (0, 0, "0.00"))
    assert by_week["2026-03-16"] == ((0, 0, "0.00"), (1, 1, "30.00"))
    # against the 31 days before: Ada's February order, new then
    assert split(euros["previous_totals"])[0] == (1, 1, "10.00")
    assert euros["points"][0]["previous"] is not None


def matrix(block: dict) -> list[tuple]:
    return [
        (c["month"], c["customers"], [(r["customers"], r["share"]) for r in c["retention"]])
        for c in block["cohorts"]
    ]


def test_cohorts_by_month_of_first_order(api, analyst_token, history):
    params = {"from": "2026-02-10", "to": "2026-04-30"}
    response = api.get_json(COHORTS, params, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-02-10", "2026-04-30")
    euros, dollars = body["currencies"]
    assert euros["currency"] == "EUR"
    assert matrix(euros) == [
        ("2026-02", 1, [(1, "100.0"), (1, "100.0"), (0, "0.0")]),  # Ada
        ("2026-03", 1, [(1, "100.0"), (1, "100.0")]),  # Bob
        ("2026-04", 0, [(0, None)]),
    ]
    assert matrix(dollars)[1] == ("2026-03", 1, [(1, "100.0"), (0, "0.0")])  # Cy


def test_a_cohort_is_the_first_order_ever_in_the_currency(api, analyst_token, history):
    params = {"from": "2026-03-01", "to": "2026-04-30", "currency": "EUR"}
    (euros,) = api.get_json(COHORTS, params, token=analyst_token).json()["currencies"]
    # Ada's first order is in February, before the range: in no cohort
    assert matrix(euros) == [
        ("2026-03", 1, [(1, "100.0"), (1, "100.0")]),
        ("2026-04", 0, [(0, None)]),
    ]


@pytest.mark.parametrize(
    ("params", "queries"),
    [
        # session, permissions; the daily sales, the customer groups and months, the
        # customer days of the compared range's first month (it starts on 29 January)
        ({**MARCH, "interval": "week"}, 7),
        ({**MARCH, "interval": "day", "currency": "USD"}, 8),  # and the currency
        ({**MARCH, "cohorts": True}, 5),  # the cohort months, the last month's customer days
        ({**MARCH, "cohorts": True, "currency": "USD"}, 6),
    ],
)
def test_the_customers_reports_run_a_fixed_number_of_queries(
    api, analyst_token, history, django_assert_num_queries, params, queries
):
    path = COHORTS if params.pop("cohorts", False) else CUSTOMERS
    check_queries(api, analyst_token, path, params, queries, django_assert_num_queries)


@pytest.mark.parametrize(
    ("path", "params", "code", "field"),
    [
        *range_errors(CUSTOMERS, interval="week"),
        *range_errors(COHORTS),
        (CUSTOMERS, {**MARCH, "interval": "fortnight"}, "validation_error", "interval"),
    ],
)
def test_bad_input_gets_a_problem(api, analyst_token, db, path, params, code, field):
    check_bad_input(api, analyst_token, path, params, code, field)


@pytest.mark.parametrize("path", [CUSTOMERS, COHORTS])
def test_the_customers_reports_are_for_staff_with_the_analytics_permission(
    api, customer_token, staff_token_without_permissions, db, path
):
    check_staff_only(
        api, path, MARCH, customer=customer_token, no_permission=staff_token_without_permissions
    )
