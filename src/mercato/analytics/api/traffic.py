"""The shoppers' path reports: each reads the traffic roll-ups through a selector."""

from django.http import HttpRequest
from ninja import Query

from mercato.analytics import events_schemas, funnel, selectors
from mercato.analytics.api.common import report
from mercato.analytics.schemas import AnalyticsRangeParams


@report("/analytics/funnel", out=events_schemas.AnalyticsFunnel)
def analytics_funnel(
    request: HttpRequest, params: Query[AnalyticsRangeParams]
) -> events_schemas.AnalyticsFunnel:
    """Sessions → with a product view → with an add to cart → with checkout started → with
    an order, over a range of shop days, with the conversion at each step (percent of the
    step before, and of all sessions) and the compared range."""
    period = selectors.get_period(start=params.from_, end=params.to, compare=params.compare)
    return events_schemas.funnel_out(period, *funnel.get_funnel(period=period))


@report("/analytics/search", out=events_schemas.AnalyticsSearchTerms)
def analytics_search(
    request: HttpRequest, params: Query[events_schemas.AnalyticsSearchParams]
) -> events_schemas.AnalyticsSearchTerms:
    """The storefront's most searched terms over a range of shop days, and those most often
    searched without a result; the number of searches with those of the compared range."""
    period = selectors.get_period(start=params.from_, end=params.to, compare=params.compare)
    return events_schemas.search_terms_out(
        period, funnel.get_search_terms(period=period, limit=params.limit)
    )
