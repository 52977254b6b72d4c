"""The reports over HTTP: each reads the daily roll-ups through a selector (no order scan)."""

from django.http import HttpRequest
from ninja import Query

from mercato.analytics import selectors
from mercato.analytics.api.common import report, report_period
from mercato.analytics.schemas import (
    AnalyticsOverview,
    AnalyticsReportParams,
    AnalyticsRevenue,
    AnalyticsRevenueParams,
    overview_out,
    revenue_out,
)


@report("/analytics/overview", out=AnalyticsOverview)
def analytics_overview(
    request: HttpRequest, params: Query[AnalyticsReportParams]
) -> AnalyticsOverview:
    """Sales, orders, average order value, units and refunds of a range of shop days, per
    currency, with the compared range and the change in percent."""
    period = report_period(params)
    return overview_out(period, selectors.get_overview(period=period, currency=params.currency))


@report("/analytics/revenue", out=AnalyticsRevenue)
def analytics_revenue(
    request: HttpRequest, params: Query[AnalyticsRevenueParams]
) -> AnalyticsRevenue:
    """Sales per day, week, month, quarter or year of a range, one series per currency, each
    point with the same interval of the compared range."""
    period = report_period(params)
    found = selectors.get_revenue(period=period, interval=params.interval, currency=params.currency)
    return revenue_out(period, params.interval, found)
