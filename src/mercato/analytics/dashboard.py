"""The back office's home page (unfold's DASHBOARD_CALLBACK): today against yesterday and the
last 30 days against the 30 before: per currency the sales, orders, average order value, refunds
and returning customers, a chart of the 30 days and the top products; the storefront's sessions
and conversion rate; and what needs doing. Each part shows to the staff who may see it: the
figures with the reports' permission, the panels with the permission to act on them."""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from mercato.analytics import panels
from mercato.analytics.events_models import DailyTraffic
from mercato.analytics.funnel import Funnel, sum_days
from mercato.analytics.report_schemas import percent
from mercato.analytics.reports.customers import get_customers
from mercato.analytics.schemas import AnalyticsChange, change_out, percent_change
from mercato.analytics.selectors import Figures, Period, RevenueSeries, get_period, get_revenue
from mercato.analytics.services import local_day

VIEW_REPORTS = "analytics.view_dailysales"
DAYS = 30
# The panels and the permission that lets a staff member act on what they count.
PANELS = (
    ("orders.change_order", "Orders to fulfil", panels.orders_to_fulfil),
    ("orders.change_order", "Returns to handle", lambda: [panels.returns_to_handle()]),
    ("inventory.change_stock", "Low stock", panels.low_stock),
)


def today() -> date:
    return local_day(timezone.now())


@dataclass
class Comparison:
    """Two sets of figures of one currency and their change in percent, with the customers
    who ordered again (their first order came before; the customers report's `returning`)."""

    title: str
    currency: str
    current: Figures
    previous: Figures
    change: AnalyticsChange | None
    returning: int = 0
    returning_before: int = 0

    @property
    def returning_change(self) -> str | None:
        return percent_change(self.returning, self.returning_before)


@dataclass
class Shoppers:
    """The storefront's sessions over some days and the share of them that placed an order
    (the funnel's first and last steps), against the days compared with."""

    title: str
    sessions: int
    sessions_before: int
    conversion: str | None
    conversion_before: str | None

    @classmethod
    def of(cls, title: str, now: Funnel, before: Funnel) -> "Shoppers":
        return cls(
            title,
            now.counts[0],
            before.counts[0],
            percent(now.counts[-1], now.counts[0]),
            percent(before.counts[-1], before.counts[0]),
        )

    @property
    def sessions_change(self) -> str | None:
        return percent_change(self.sessions, self.sessions_before)


def chart_data(series: RevenueSeries, *, previous_label: str) -> str:
    """Chart.js data (unfold's chart components read it from `data-value`): net sales per
    point, and those of the compared range when there is one."""
    datasets: list[dict[str, Any]] = [
        {
            "label": f"Net sales ({series.currency})",
            "data": [float(p.figures.net) for p in series.points],
            "borderColor": "var(--color-primary-600)",
            "backgroundColor": "var(--color-primary-600)",
            "displayYAxis": True,
        }
    ]
    if series.previous_totals is not None:
        datasets.append(
            {
                "label": previous_label,
                "data": [float(p.previous.net) if p.previous else 0 for p in series.points],
                "borderColor": "var(--color-base-300)",
                "backgroundColor": "var(--color-base-300)",
            }
        )
    labels = [p.start.isoformat() for p in series.points]
    return json.dumps({"labels": labels, "datasets": datasets})


def has_sales(series: RevenueSeries) -> bool:
    """Whether the series' range or the one it compares with has an order or a refund."""
    figures = [series.totals, series.previous_totals or Figures()]
    return any(f.orders or f.refunds for f in figures)


def sales_context(day: date) -> dict[str, Any]:
    """The figures of the 30 shop days up to `day` and of the 30 before (one query): the day
    against the one before, the 30 days against the 30 before, the chart and top products."""
    period = get_period(start=day - timedelta(days=DAYS - 1), end=day, compare="previous_period")
    found = get_revenue(period=period, interval="day")
    returning = _returning(period)
    blocks = []
    for series in found:
        last, before = series.points[-1].figures, series.points[-2].figures
        assert series.previous_totals is not None  # compared with the previous period
        days, totals = returning.get(series.currency, ([0] * DAYS, (0, 0)))
        blocks.append(
            {
                "currency": series.currency,
                "comparisons": [
                    Comparison(
                        "Today",
                        series.currency,
                        last,
                        before,
                        change_out(last, before),
                        days[-1],
                        days[-2],
                    ),
                    Comparison(
                        f"Last {DAYS} days",
                        series.currency,
                        series.totals,
                        series.previous_totals,
                        change_out(series.totals, series.previous_totals),
                        *totals,
                    ),
                ],
                "chart": chart_data(series, previous_label=f"The {DAYS} days before"),
                "empty": None if has_sales(series) else panels.why_empty(),
                "top_products": panels.top_products(
                    start=period.start, end=period.end, currency=series.currency
                ),
            }
        )
    assert period.previous is not None
    traffic = list(DailyTraffic.objects.filter(day__range=(period.previous[0], day)))
    yesterday = day - timedelta(days=1)
    shoppers = [
        Shoppers.of("Today", sum_days(traffic, day, day), sum_days(traffic, yesterday, yesterday)),
        Shoppers.of(
            f"Last {DAYS} days",
            sum_days(traffic, period.start, period.end),
            sum_days(traffic, *period.previous),
        ),
    ]
    return {"sales": blocks, "sales_period": period, "shoppers": shoppers}


def _returning(period: Period) -> dict[str, tuple[list[int], tuple[int, int]]]:
    """Per currency, the returning customers of each day of the period and of the period and
    the one before as a whole (two queries: the customers report's)."""
    found = {}
    for series in get_customers(period=period, interval="day"):
        assert series.previous_totals is not None  # compared with the previous period
        found[series.currency] = (
            [point.current.returning.customers for point in series.rows],
            (
                series.totals.returning.customers,
                series.previous_totals.returning.customers,
            ),
        )
    return found


def pending_context(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"title": title, "items": read()}
        for permission, title, read in PANELS
        if request.user.has_perm(permission)
    ]


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    context["dashboard"] = True
    context["pending"] = pending_context(request)
    if request.user.has_perm(VIEW_REPORTS):
        context.update(sales_context(today()))
    return context
