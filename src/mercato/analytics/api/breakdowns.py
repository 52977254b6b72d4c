"""The breakdown reports over HTTP: each reads the facts through a selector of
analytics/reports (grouped in the database, no order scan)."""

from django.http import HttpRequest
from ninja import Query

from mercato.analytics.api.common import report, report_period
from mercato.analytics.report_schemas import (
    AnalyticsCohortParams,
    AnalyticsCohorts,
    AnalyticsCustomers,
    AnalyticsOrders,
    AnalyticsOrdersParams,
    AnalyticsOss,
    AnalyticsOssParams,
    AnalyticsProducts,
    AnalyticsProductsParams,
    AnalyticsTaxes,
    cohorts_out,
    customers_out,
    orders_out,
    oss_out,
    products_out,
    taxes_out,
)
from mercato.analytics.reports.cohorts import get_cohorts
from mercato.analytics.reports.customers import get_customers
from mercato.analytics.reports.orders import get_orders_breakdown
from mercato.analytics.reports.products import get_products
from mercato.analytics.reports.taxes import get_oss_return, get_tax_rows
from mercato.analytics.schemas import AnalyticsReportParams, AnalyticsRevenueParams
from mercato.analytics.selectors import check_currency, get_period


@report("/analytics/orders", out=AnalyticsOrders)
def analytics_orders(request: HttpRequest, params: Query[AnalyticsOrdersParams]) -> AnalyticsOrders:
    """Orders and net sales of a range of shop days by status, shipping country, shipping
    method or payment provider, per currency, with each group's share and the compared range."""
    period = report_period(params)
    found = get_orders_breakdown(period=period, by=params.by, currency=params.currency)
    return orders_out(period, params.by, found)


@report("/analytics/products", out=AnalyticsProducts)
def analytics_products(
    request: HttpRequest, params: Query[AnalyticsProductsParams]
) -> AnalyticsProducts:
    """The best-selling products (or variants) of a range of shop days per currency: units,
    sales, units returned and the return rate, with the compared range."""
    period = report_period(params)
    found = get_products(
        period=period,
        by=params.by,
        order_by=params.order_by,
        limit=params.limit,
        currency=params.currency,
    )
    return products_out(period, params.by, params.order_by, found)


@report("/analytics/taxes", out=AnalyticsTaxes)
def analytics_taxes(request: HttpRequest, params: Query[AnalyticsReportParams]) -> AnalyticsTaxes:
    """Taxable amounts and tax of a range of shop days per shipping country and rate, per
    currency (refunds taken off on their day), with the compared range."""
    period = report_period(params)
    return taxes_out(period, get_tax_rows(period=period, currency=params.currency))


@report(
    "/analytics/taxes/oss",
    out=AnalyticsOss,
    codes="Unprocessable Entity; `unknown_currency`: the shop has no sales in this currency",
)
def analytics_taxes_oss(request: HttpRequest, params: Query[AnalyticsOssParams]) -> AnalyticsOss:
    """The EU one-stop-shop return of a quarter: taxable amount and VAT per member state of
    consumption and rate, and the reverse-charge sales by buyer VAT number, per currency."""
    check_currency(params.currency)
    return oss_out(get_oss_return(quarter=params.quarter, currency=params.currency))


@report("/analytics/customers", out=AnalyticsCustomers)
def analytics_customers(
    request: HttpRequest, params: Query[AnalyticsRevenueParams]
) -> AnalyticsCustomers:
    """New and returning customers (and guest orders) per day, week, month, quarter or year
    of a range, one series per currency, each point with the same interval of the compared
    range."""
    period = report_period(params)
    found = get_customers(period=period, interval=params.interval, currency=params.currency)
    return customers_out(period, params.interval, found)


@report("/analytics/customers/cohorts", out=AnalyticsCohorts)
def analytics_customer_cohorts(
    request: HttpRequest, params: Query[AnalyticsCohortParams]
) -> AnalyticsCohorts:
    """Customers by the month of their first order, per currency, and how many of each
    month's customers ordered in every later month of the range (the retention matrix)."""
    period = get_period(start=params.from_, end=params.to, compare="none")
    check_currency(params.currency)
    found = get_cohorts(start=period.start, end=period.end, currency=params.currency)
    return cohorts_out(period, found)
