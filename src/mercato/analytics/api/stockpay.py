"""The stock and payments reports over HTTP (docs/analytics.md, "Stock" and "Payments")."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query

from mercato.analytics.api.common import report, report_period
from mercato.analytics.reports.payments import get_payments
from mercato.analytics.reports.stock import get_report_warehouse, get_stock
from mercato.analytics.schemas import AnalyticsReportParams
from mercato.analytics.stockpay_schemas import (
    AnalyticsPayments,
    AnalyticsStock,
    AnalyticsStockParams,
    payments_out,
    stock_out,
)


@report(
    "/analytics/stock",
    out=AnalyticsStock,
    codes="Unprocessable Entity; `unknown_warehouse`: no warehouse has this public id",
)
def analytics_stock(request: HttpRequest, params: Query[AnalyticsStockParams]) -> AnalyticsStock:
    """The stock now, per warehouse and in total (units on hand, allocated, available, value
    at cost in the shop currency), and per variant with its units sold in the last `days`
    shop days, daily rate, days of cover and sell-through; `filter` picks the low, dead or
    out-of-stock variants."""
    found = get_stock(
        warehouse=get_report_warehouse(params.warehouse),
        days=params.days,
        show=params.filter,
        order_by=params.order_by,
        limit=params.limit,
    )
    return stock_out(found, as_of=timezone.now(), show=params.filter, order_by=params.order_by)


@report("/analytics/payments", out=AnalyticsPayments)
def analytics_payments(
    request: HttpRequest, params: Query[AnalyticsReportParams]
) -> AnalyticsPayments:
    """The payment attempts made on a range of shop days, per currency and provider: how
    many, how many authorised, captured, declined (and the decline rate), the amounts
    captured and refunded (and the refund rate), with the compared range."""
    period = report_period(params)
    return payments_out(period, get_payments(period=period, currency=params.currency))
