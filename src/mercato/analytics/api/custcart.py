"""The carts and customer value reports over HTTP: the carts from their daily roll-ups, the
customers' value from the order and refund facts grouped by customer (no order scan)."""

from django.http import HttpRequest
from ninja import Query

from mercato.analytics.api.common import report, report_period
from mercato.analytics.custcart_schemas import (
    AnalyticsCarts,
    AnalyticsCustomerValue,
    AnalyticsCustomerValueParams,
    carts_out,
    customer_value_out,
)
from mercato.analytics.reports.carts import get_carts
from mercato.analytics.reports.value import get_customer_value
from mercato.analytics.schemas import AnalyticsRevenueParams
from mercato.analytics.selectors import check_currency, get_period


@report("/analytics/carts", out=AnalyticsCarts)
def analytics_carts(request: HttpRequest, params: Query[AnalyticsRevenueParams]) -> AnalyticsCarts:
    """Carts made per day, week, month, quarter or year of a range of shop days, per
    currency: with lines, turned into orders, abandoned (and their value), the abandonment
    rate, each point with the same interval of the compared range."""
    period = report_period(params)
    found = get_carts(period=period, interval=params.interval, currency=params.currency)
    return carts_out(period, params.interval, found)


@report("/analytics/customers/value", out=AnalyticsCustomerValue)
def analytics_customer_value(
    request: HttpRequest, params: Query[AnalyticsCustomerValueParams]
) -> AnalyticsCustomerValue:
    """The value of the customers who ordered in a range of shop days, per currency: net per
    customer, orders per customer, average order value, the top customers by net, and RFM
    segments scored by quintile as of the range's end."""
    period = get_period(start=params.from_, end=params.to, compare="none")
    check_currency(params.currency)
    found = get_customer_value(
        start=period.start, end=period.end, limit=params.limit, currency=params.currency
    )
    return customer_value_out(period, found)
