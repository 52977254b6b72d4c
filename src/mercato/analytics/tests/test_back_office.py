"""The back office: the dashboard on the admin's home page, the report pages (figures, sort,
CSV, empty states, bad input), who sees what, and the panels' links to the filtered lists."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from mercato.analytics import dashboard, panels
from mercato.analytics.events_models import StorefrontEvent
from mercato.analytics.models import DailySales, OrderFact
from mercato.analytics.selectors import get_overview, get_period, get_revenue
from mercato.analytics.tests.history import Line, place
from mercato.analytics.tests.test_traffic import Type, session, session_on
from mercato.analytics.tracking import refresh_traffic
from mercato.audit.services import SYSTEM
from mercato.inventory.tests.conftest import make_variant, make_warehouse, put_stock
from mercato.orders.services.returns import ReturnItem, request_return
from mercato.orders.tests.test_returns import deliver_all
from tests.support import StaffFactory, UserFactory, run_tasks
from tests.support.orders import make_order

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 3, 10)
OVERVIEW = "/admin/reports/overview/"
REVENUE = "/admin/reports/revenue/"
MARCH = {"start": "2026-03-02", "end": "2026-03-15"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """The shop's today is 10 March 2026 (Berlin)."""
    monkeypatch.setattr(dashboard, "today", lambda: TODAY)


@pytest.fixture
def owner(db) -> Client:
    return client_for(StaffFactory(is_superuser=True))


@pytest.fixture
def analyst(db) -> Client:
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Analyst"))
    return client_for(user)


@pytest.fixture
def support(db) -> Client:
    """Staff who may see orders but not the reports."""
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Customer support"))
    return client_for(user)


def _kpis(block: dict) -> list[tuple]:
    return [
        (c.title, c.current.net, c.current.orders, c.previous.net, c.previous.orders)
        for c in block["comparisons"]
    ]


def test_the_dashboard_compares_today_and_the_last_30_days(owner, sales):
    response = owner.get("/admin/")

    assert response.status_code == 200
    euros, dollars = response.context["sales"]
    assert euros["currency"] == "EUR"
    # today: the refund only; yesterday: 20.00 + 10.00. 30 days from 9 Feb: 40 + 30 + 30 - 5.
    assert _kpis(euros) == [
        ("Today", -5, 0, 30, 2),
        ("Last 30 days", 95, 4, 0, 0),
    ]
    assert euros["comparisons"][1].current.average_order_value == Decimal("23.75")  # 95.00 / 4
    assert _kpis(dollars)[1][1:3] == (50, 1)
    html = response.content.decode()
    assert "Sales in EUR" in html and "95.00 EUR" in html and "-5.00 EUR" in html
    assert 'data-type="line"' in html and "Net sales (EUR)" in html


def test_the_dashboard_counts_returning_customers_sessions_and_conversion(owner):
    """Today is 10 March: the last 30 days are 9 February to 10 March, the 30 before from
    10 January. Ann first ordered on 15 January, again today; Bob first ordered yesterday."""
    ann, bob = UserFactory(), UserFactory()
    for user, moment in (
        (ann, datetime(2026, 1, 15, 12, tzinfo=BERLIN)),
        (bob, datetime(2026, 3, 9, 12, tzinfo=BERLIN)),
        (ann, datetime(2026, 3, 10, 12, tzinfo=BERLIN)),
    ):
        place(at=moment, lines=[Line("10.00")], shipping="0", user=user)
    run_tasks()
    # sessions: today 4 (one orders), yesterday 2 (one orders), 1 February 1 (none)
    ordered = (Type.PRODUCT_VIEWED, Type.ORDER_PLACED)
    for day, paths in ((10, [ordered] + [(Type.PRODUCT_VIEWED,)] * 3), (9, [ordered, ordered[:1]])):
        for path in paths:
            session(day, *path)
    session_on(datetime(2026, 2, 1, 12, tzinfo=BERLIN), Type.LIST_VIEWED)
    refresh_traffic(StorefrontEvent.objects.values_list("day", flat=True))

    response = owner.get("/admin/")

    (euros,) = response.context["sales"]
    returning = [(c.title, c.returning, c.returning_before) for c in euros["comparisons"]]
    # today Ann had ordered before; yesterday Bob was new. Over the 30 days Ann's first order
    # came before them (Bob's did not); over the 30 before, that first order was new.
    assert returning == [("Today", 1, 0), ("Last 30 days", 1, 0)]
    shoppers = [
        (s.title, s.sessions, s.sessions_before, s.conversion, s.conversion_before)
        for s in response.context["shoppers"]
    ]
    assert shoppers == [
        ("Today", 4, 2, "25.0", "50.0"),
        ("Last 30 days", 6, 1, "33.3", "0.0"),
    ]
    html = response.content.decode()
    assert 'data-kpi="returning-customers"' in html and 'data-kpi="conversion-rate"' in html
    assert "33.3 %" in html and "+100.0 % · was 2" in html  # sessions today against yesterday


def test_the_dashboard_lists_the_top_products(owner):
    make_order(lines=[("20.00", 2), ("15.00", 1)])  # placed today, by the real clock
    run_tasks()
    day = OrderFact.objects.get().day

    top = panels.top_products(start=day, end=day, currency="EUR")

    # as the products report counts them: line prices less discounts (none here)
    assert [(p.units, p.net) for p in top] == [(2, Decimal("40.00")), (1, Decimal("15.00"))]
    assert all(p.name for p in top)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dashboard, "today", lambda: day)
        html = owner.get("/admin/").content.decode()
    assert 'id="top-products-EUR"' in html and top[0].name in html and f"{top[0].net} EUR" in html


def test_the_dashboard_query_count_is_pinned(owner, sales, django_assert_num_queries):
    owner.get("/admin/")  # the session and the permissions, read once
    # session, user, two-factor device; pending: 2 orders, 2 stock; the roll-ups of the 60
    # days (1); returning customers (2: the customers report's); the sessions of the 60 days
    # (1); top products, 3 per currency (stale spans, line facts, the weeks' line roll-ups:
    # 30 days always hold three whole weeks; the names, a fourth one, only when a line has a
    # product); the admin's recent actions. Whatever the number of orders.
    with django_assert_num_queries(18):
        response = owner.get("/admin/")
    assert response.status_code == 200


def test_the_analyst_sees_the_figures_and_the_reports_but_no_panels(analyst, sales):
    response = analyst.get("/admin/")

    assert response.status_code == 200
    assert [b["currency"] for b in response.context["sales"]] == ["EUR", "USD"]
    assert response.context["pending"] == []
    html = response.content.decode()
    assert 'href="/admin/reports/overview/"' in html and 'href="/admin/reports/revenue/"' in html
    assert "What needs doing" not in html
    assert analyst.get(OVERVIEW).status_code == 200


def test_staff_without_the_reports_permission_get_403_and_no_figures(support, sales):
    assert support.get(OVERVIEW).status_code == 403
    assert support.get(REVENUE, {"format": "csv"}).status_code == 403
    home = support.get("/admin/")
    assert home.status_code == 200
    assert "sales" not in home.context
    assert "/admin/reports/" not in home.content.decode()


def test_a_visitor_is_sent_to_the_login(client, db):
    response = client.get(OVERVIEW)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_overview_page_shows_the_figures_of_the_range(analyst, sales):
    response = analyst.get(OVERVIEW, MARCH)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Shop days 2026-03-02 to 2026-03-15, compared with 2026-02-16 to 2026-03-01" in html
    rows = {(r[0], r[1]): r[2:] for r in response.context["cells"]}
    assert rows[("EUR", "Net sales")] == ["65.00", "30.00", "116.7"]
    assert rows[("EUR", "Refunds")] == ["5.00", "0.00", ""]
    assert rows[("USD", "Orders")] == ["1", "0", ""]
    assert "65.00" in html and "116.7" in html and 'data-type="bar"' in html


def test_the_revenue_page_sorts_by_any_column(analyst, sales):
    response = analyst.get(
        REVENUE, {**MARCH, "interval": "week", "currency": "EUR", "sort": "-net"}
    )

    assert response.status_code == 200
    cells = response.context["cells"]
    net = [row[3 + 5] for row in cells]  # currency, from, to, then the figures: net is 6th
    assert net == sorted(net, key=float, reverse=True)
    assert [(row[1], row[8]) for row in cells] == [("2026-03-02", "40.00"), ("2026-03-09", "25.00")]
    header = next(h for h in response.context["headers"] if h["label"] == "Net sales")
    assert header["state"] == "desc" and "sort=net" in header["url"]


def test_the_csv_holds_the_figures_of_the_selectors(analyst, sales):
    response = analyst.get(REVENUE, {**MARCH, "interval": "week", "compare": "previous_year"})

    assert response.status_code == 200
    download = analyst.get(REVENUE, {**MARCH, "interval": "week", "compare": "previous_year",
                                     "format": "csv"})  # fmt: skip
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="revenue-2026-03-02-2026-03-15.csv"' in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][:4] == ["Currency", "From", "To", "Orders"]
    period = get_period(start=date(2026, 3, 2), end=date(2026, 3, 15), compare="previous_year")
    expected = [
        [s.currency, str(p.start), str(p.end), str(p.figures.orders), str(p.figures.units),
         str(p.figures.gross), str(p.figures.discounts), str(p.figures.refunds),
         str(p.figures.net), str(p.figures.shipping), str(p.figures.tax), str(p.figures.total),
         str(p.figures.average_order_value or ""), str(p.previous.net if p.previous else "")]
        for s in get_revenue(period=period, interval="week")
        for p in s.points
    ]  # fmt: skip
    assert [row[:-1] for row in rows[1:]] == expected
    assert len(rows) - 1 == len(response.context["cells"]) == 4  # 2 weeks x 2 currencies


def test_the_overview_csv_matches_the_overview_selector(owner, sales):
    download = owner.get(OVERVIEW, {**MARCH, "currency": "EUR", "format": "csv"})

    rows = list(csv.reader(io.StringIO(download.content.decode())))
    period = get_period(start=date(2026, 3, 2), end=date(2026, 3, 15), compare="previous_period")
    (found,) = get_overview(period=period, currency="EUR")
    by_figure = {row[1]: row for row in rows[1:]}
    assert by_figure["Net sales"][2:4] == [str(found.current.net), str(found.previous.net)]
    assert by_figure["Average order value"][2] == str(found.current.average_order_value)
    assert len(rows) == 11  # the header and ten figures


def test_bad_input_is_shown_on_the_form(analyst, sales, settings):
    backwards = analyst.get(OVERVIEW, {"start": "2026-03-10", "end": "2026-03-01"})
    settings.ANALYTICS_MAX_RANGE_DAYS = 10
    too_long = analyst.get(REVENUE, {"start": "2026-01-01", "end": "2026-03-01"})
    unknown = analyst.get(OVERVIEW, {"currency": "JPY"})
    not_a_date = analyst.get(OVERVIEW, {"start": "March"})

    assert "The range ends before it starts." in backwards.content.decode()
    assert "A report covers at most 10 days." in too_long.content.decode()
    assert "cells" not in too_long.context
    assert unknown.context["form"].errors["currency"]
    assert not_a_date.context["form"].errors["start"]
    assert {r.status_code for r in (backwards, too_long, unknown, not_a_date)} == {200}


def test_the_empty_states_say_why_and_what_to_do(analyst, sales):
    january = analyst.get(OVERVIEW, {"start": "2025-01-01", "end": "2025-01-31"})
    assert "Nothing in this range" in january.content.decode()
    DailySales.objects.all().delete()
    OrderFact.objects.all().delete()
    html = analyst.get(REVENUE).content.decode()
    assert "Run `mercato rebuild-analytics`" in html


def test_a_shop_without_orders_says_so(analyst):
    html = analyst.get("/admin/").content.decode()
    assert "No orders yet" in html and "Sales in EUR" in html


def test_the_panels_link_to_lists_filtered_to_what_they_count(owner, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    make_order()
    shipped = make_order()
    deliver_all(shipped, SYSTEM)
    line = shipped.order.lines.order_by("pk").first()
    request_return(order=shipped.order, lines=[ReturnItem(line, 1, "too big")], actor=SYSTEM)
    warehouse = make_warehouse("low")
    put_stock(make_variant(), warehouse, 3)
    put_stock(make_variant(), warehouse, 0)
    put_stock(make_variant(), warehouse, 50)

    home = owner.get("/admin/")
    items = [item for panel in home.context["pending"] for item in panel["items"]]

    counts = {item.label: item.count for item in items}
    assert counts == {
        "Unfulfilled orders": 1,
        "Partially fulfilled orders": 0,
        "Orders with returns to handle": 1,
        "Low stock": 2,
        "Out of stock": 1,
    }
    for item in items:
        listed = owner.get(item.url)
        assert listed.status_code == 200, item.url
        assert listed.context["cl"].result_count == item.count, item.url
        assert f'href="{item.url.replace("&", "&amp;")}"' in home.content.decode()


def test_without_the_permission_to_act_there_are_no_panels(db):
    user = StaffFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_order"))
    home = client_for(user).get("/admin/")
    assert home.context["pending"] == []


def test_the_sidebar_keeps_every_application_and_adds_the_reports(owner, db):
    html = owner.get("/admin/orders/order/").content.decode()
    assert 'href="/admin/reports/overview/"' in html
    assert 'href="/admin/orders/order/"' in html and 'href="/admin/inventory/stock/"' in html


def test_the_form_starts_on_the_last_30_days_and_fills_a_missing_end(analyst, sales):
    plain = analyst.get(REVENUE)
    from_march = analyst.get(REVENUE, {"start": "2026-03-01"})

    assert (plain.context["period"].start, plain.context["period"].end) == (
        date(2026, 2, 9),
        TODAY,
    )
    assert 'value="2026-02-09"' in plain.content.decode()
    assert from_march.context["period"].end == TODAY
    assert 'value="2026-03-10"' in from_march.content.decode()


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start": "2026-03-15", "end": "2026-03-02"}, "end"),
        ({"currency": "CHF"}, "currency"),
        ({"start": "not-a-date"}, "start"),
    ],
)
def test_a_refused_csv_download_is_a_400_naming_the_field_not_a_page(analyst, sales, params, field):
    download = analyst.get(REVENUE, {**MARCH, **params, "format": "csv"})

    assert download.status_code == 400
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert "Content-Disposition" not in download
    text = download.content.decode()
    assert text.startswith("The report was not made:\n")
    assert f"\n{field}: " in text and "<html" not in text
