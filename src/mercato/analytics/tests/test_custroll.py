"""The customer tables (`customer_models.py`) kept at every order's refresh and by the
rebuild: a customer's first order moves when it is cancelled, the rebuild writes what the
refreshes wrote, and the customers report counts a customer once per interval however long
ago they ordered before."""

from datetime import date

import pytest

from mercato.analytics.models import CohortMonth, CustomerDay, CustomerFirstOrder
from mercato.analytics.services import rebuild_analytics
from mercato.analytics.tests.history import Line, cancel, pay, place, refund
from mercato.analytics.tests.reports import berlin
from tests.support import UserFactory, run_tasks

CUSTOMERS = "/api/admin/analytics/customers"
COHORTS = "/api/admin/analytics/customers/cohorts"


def tables() -> dict[str, list[tuple]]:
    """Every row of the customer tables, without their ids."""
    return {
        "firsts": list(
            CustomerFirstOrder.objects.order_by("customer_id", "currency").values_list(
                "customer_id", "currency", "first_day", "last_day", "orders", "days", "gross"
            )
        ),
        "days": list(
            CustomerDay.objects.order_by("customer_id", "currency", "day").values_list(
                "customer_id",
                "currency",
                "day",
                "orders",
                "gross",
                "discounts",
                "first_day",
                "previous_day",
                "age",
                "gap",
            )
        ),
        "cohorts": list(
            CohortMonth.objects.order_by("currency", "cohort", "month").values_list(
                "currency", "cohort", "month", "customers"
            )
        ),
    }


@pytest.fixture
def ada(db):
    return UserFactory()


def _order(user, day: tuple[int, int, int], price: str, currency: str = "EUR"):
    order = place(
        at=berlin(*day, 12), lines=[Line(price)], shipping="0", user=user, currency=currency
    )
    run_tasks()
    return order


def test_cancelling_the_first_order_moves_the_customers_first_day(ada):
    february = _order(ada, (2026, 2, 20), "10.00")
    _order(ada, (2026, 3, 3), "20.00")
    _order(ada, (2026, 3, 20), "30.00")
    assert tables() == {
        "firsts": [(ada.pk, "EUR", date(2026, 2, 20), date(2026, 3, 20), 3, 3, 60)],
        "days": [
            (ada.pk, "EUR", date(2026, 2, 20), 1, 10, 0, date(2026, 2, 20), None, 0, None),
            (
                ada.pk,
                "EUR",
                date(2026, 3, 3),
                1,
                20,
                0,
                date(2026, 2, 20),
                date(2026, 2, 20),
                11,
                11,
            ),
            (
                ada.pk,
                "EUR",
                date(2026, 3, 20),
                1,
                30,
                0,
                date(2026, 2, 20),
                date(2026, 3, 3),
                28,
                17,
            ),
        ],
        "cohorts": [
            ("EUR", date(2026, 2, 1), date(2026, 2, 1), 1),
            ("EUR", date(2026, 2, 1), date(2026, 3, 1), 1),
        ],
    }
    pay(february)
    cancel(february)
    run_tasks()
    # the February order no longer counts: Ada's first order is the one of 3 March
    assert tables() == {
        "firsts": [(ada.pk, "EUR", date(2026, 3, 3), date(2026, 3, 20), 2, 2, 50)],
        "days": [
            (ada.pk, "EUR", date(2026, 3, 3), 1, 20, 0, date(2026, 3, 3), None, 0, None),
            (
                ada.pk,
                "EUR",
                date(2026, 3, 20),
                1,
                30,
                0,
                date(2026, 3, 3),
                date(2026, 3, 3),
                17,
                17,
            ),
        ],
        "cohorts": [("EUR", date(2026, 3, 1), date(2026, 3, 1), 1)],
    }
    refreshed = tables()
    rebuild_analytics()
    assert tables() == refreshed


def test_the_rebuild_writes_what_the_refreshes_wrote(db):
    ada, bob, cy = UserFactory.create_batch(3)
    _order(ada, (2026, 1, 5), "10.00")
    _order(ada, (2026, 1, 5), "12.00")  # two orders on one day: one row
    _order(ada, (2026, 2, 7), "14.00")
    _order(ada, (2026, 2, 7), "9.00", currency="USD")  # her first order in dollars
    refunded = _order(bob, (2026, 1, 31), "20.00")
    pay(refunded)
    refund(refunded, "5.00", at=berlin(2026, 2, 2, 9))  # refunds do not move a first order
    cancelled = _order(cy, (2026, 2, 1), "30.00")
    _order(cy, (2026, 3, 1), "40.00")
    pay(cancelled)
    cancel(cancelled)
    place(at=berlin(2026, 2, 3, 12), lines=[Line("5.00")], shipping="0")  # a guest
    run_tasks()
    refreshed = tables()
    assert refreshed["cohorts"] == [
        ("EUR", date(2026, 1, 1), date(2026, 1, 1), 2),
        ("EUR", date(2026, 1, 1), date(2026, 2, 1), 1),
        ("EUR", date(2026, 3, 1), date(2026, 3, 1), 1),
        ("USD", date(2026, 2, 1), date(2026, 2, 1), 1),
    ]
    assert [row[:6] for row in refreshed["firsts"]] == [
        (ada.pk, "EUR", date(2026, 1, 5), date(2026, 2, 7), 3, 2),
        (ada.pk, "USD", date(2026, 2, 7), date(2026, 2, 7), 1, 1),
        (bob.pk, "EUR", date(2026, 1, 31), date(2026, 1, 31), 1, 1),
        (cy.pk, "EUR", date(2026, 3, 1), date(2026, 3, 1), 1, 1),
    ]
    rebuild_analytics()
    assert tables() == refreshed
    rebuild_analytics()  # idempotent
    assert tables() == refreshed


def figures(split: dict) -> tuple:
    return tuple(
        (split[g].get("customers"), split[g]["orders"], split[g]["sales"]["amount"])
        for g in ("new", "returning")
    )


def test_a_customer_counts_once_per_interval_however_long_ago_they_ordered(api, analyst_token, ada):
    _order(ada, (2025, 1, 10), "10.00")
    _order(ada, (2026, 2, 10), "20.00")  # a Tuesday
    _order(ada, (2026, 2, 12), "30.00")  # the Thursday of the same week
    params = {"from": "2026-01-01", "to": "2026-03-31", "interval": "month"}
    params["compare"] = "previous_year"
    (euros,) = api.get_json(CUSTOMERS, params, token=analyst_token).json()["series"]
    none = ((0, 0, "0.00"), (0, 0, "0.00"))
    # 13 months after her first order: returning in February, once for both orders
    assert [figures(point["figures"]) for point in euros["points"]] == [
        none,
        ((0, 0, "0.00"), (1, 2, "50.00")),
        none,
    ]
    assert figures(euros["totals"]) == ((0, 0, "0.00"), (1, 2, "50.00"))
    assert [figures(point["previous"]) for point in euros["points"]] == [
        ((1, 1, "10.00"), (0, 0, "0.00")),
        none,
        none,
    ]
    assert figures(euros["previous_totals"]) == ((1, 1, "10.00"), (0, 0, "0.00"))
    weeks = {"from": "2026-02-01", "to": "2026-02-28", "interval": "week", "compare": "none"}
    (euros,) = api.get_json(CUSTOMERS, weeks, token=analyst_token).json()["series"]
    assert [(p["from"], figures(p["figures"])) for p in euros["points"]][1:3] == [
        ("2026-02-02", none),
        ("2026-02-09", ((0, 0, "0.00"), (1, 2, "50.00"))),
    ]
    # over a year, the year before, with both: new in 2025 and returning in 2026
    years = {"from": "2025-01-01", "to": "2026-03-31", "interval": "year", "compare": "none"}
    (euros,) = api.get_json(CUSTOMERS, years, token=analyst_token).json()["series"]
    assert [figures(point["figures"]) for point in euros["points"]] == [
        ((1, 1, "10.00"), (0, 0, "0.00")),
        ((0, 0, "0.00"), (1, 2, "50.00")),
    ]
    assert figures(euros["totals"]) == ((1, 3, "60.00"), (0, 0, "0.00"))


def test_a_cohort_ending_mid_month_counts_that_months_orders_up_to_the_range_end(
    api, analyst_token, ada
):
    _order(ada, (2026, 1, 10), "10.00")
    _order(ada, (2026, 3, 20), "20.00")
    bob = UserFactory()
    _order(bob, (2026, 3, 5), "10.00")
    params = {"from": "2026-01-01", "to": "2026-03-15", "currency": "EUR"}
    (euros,) = api.get_json(COHORTS, params, token=analyst_token).json()["currencies"]
    found = [
        (c["month"], c["customers"], [m["customers"] for m in c["retention"]])
        for c in euros["cohorts"]
    ]
    # Ada's order of 20 March is after the range; Bob's of 5 March is in it
    assert found == [("2026-01", 1, [1, 0, 0]), ("2026-02", 0, [0, 0]), ("2026-03", 1, [1])]


def test_a_range_starting_mid_month_reads_that_months_first_days_exactly(api, analyst_token, ada):
    bob, cy = UserFactory.create_batch(2)
    _order(ada, (2026, 3, 3), "10.00")
    _order(ada, (2026, 3, 20), "20.00")
    _order(bob, (2026, 2, 2), "5.00")
    _order(bob, (2026, 3, 5), "7.00")
    _order(bob, (2026, 3, 25), "9.00")
    _order(cy, (2026, 3, 15), "30.00")
    params = {"from": "2026-03-10", "to": "2026-03-31", "compare": "previous_period"}
    # Ada's first order and Bob's previous one are in March before the 10th: both return
    returning = ((1, 1, "30.00"), (2, 2, "29.00"))
    # the 22 days before: 16 February to 9 March; Bob's first order is before them
    compared = ((1, 1, "10.00"), (1, 1, "7.00"))
    (months,) = api.get_json(
        CUSTOMERS, {**params, "interval": "month"}, token=analyst_token
    ).json()["series"]
    assert figures(months["totals"]) == returning
    assert figures(months["previous_totals"]) == compared
    (point,) = months["points"]
    assert (figures(point["figures"]), figures(point["previous"])) == (returning, compared)
    (weeks,) = api.get_json(CUSTOMERS, {**params, "interval": "week"}, token=analyst_token).json()[
        "series"
    ]
    assert figures(weeks["totals"]) == returning
    assert figures(weeks["previous_totals"]) == compared
    assert [(p["from"], figures(p["figures"])) for p in weeks["points"]] == [
        ("2026-03-10", ((1, 1, "30.00"), (0, 0, "0.00"))),
        ("2026-03-16", ((0, 0, "0.00"), (1, 1, "20.00"))),
        ("2026-03-23", ((0, 0, "0.00"), (1, 1, "9.00"))),
        ("2026-03-30", ((0, 0, "0.00"), (0, 0, "0.00"))),
    ]
