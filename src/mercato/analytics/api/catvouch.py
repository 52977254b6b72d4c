"""The categories and collections report and the vouchers and promotions report over HTTP:
each reads the facts through a selector of analytics/reports (grouped in the database)."""

from django.http import HttpRequest
from ninja import Query

from mercato.analytics.api.common import report, report_period
from mercato.analytics.catvouch_schemas import (
    AnalyticsCatalog,
    AnalyticsCatalogParams,
    AnalyticsDiscounts,
    catalog_out,
    discounts_out,
)
from mercato.analytics.errors import ParentNotTaken
from mercato.analytics.reports.categories import get_catalog_sales
from mercato.analytics.reports.discounts import get_discounts
from mercato.analytics.schemas import AnalyticsReportParams

CATALOG_CODES = (
    "Unprocessable Entity; `invalid_range`: the range ends before it starts, or names a day "
    "before 1970 or after 2999; `range_too_long`: the range is longer than the shop allows; "
    "`unknown_currency`: the shop has no sales in this currency; `unknown_category`: the "
    "catalog has no category with the `parent` id; `parent_not_taken`: a `parent` with "
    "`by=collection`"
)


@report("/analytics/categories", out=AnalyticsCatalog, codes=CATALOG_CODES)
def analytics_categories(
    request: HttpRequest, params: Query[AnalyticsCatalogParams]
) -> AnalyticsCatalog:
    """Units, net sales and orders of a range of shop days per category of the catalog's
    tree (each with its subtree; `parent`: that category's children) or per collection, per
    currency, with each row's share and the compared range."""
    if params.by == "collection" and params.parent is not None:
        raise ParentNotTaken("Only the categories have a parent.", field="parent")
    period = report_period(params)
    found = get_catalog_sales(
        period=period, by=params.by, parent=params.parent, currency=params.currency
    )
    return catalog_out(period, found)


@report("/analytics/discounts", out=AnalyticsDiscounts)
def analytics_discounts(
    request: HttpRequest, params: Query[AnalyticsReportParams]
) -> AnalyticsDiscounts:
    """What each voucher code and each promotion gave away in a range of shop days and the
    sales they came with, per currency, with the compared range and the totals."""
    period = report_period(params)
    return discounts_out(period, get_discounts(period=period, currency=params.currency))
