"""Reading the shoppers' path: the funnel and the search terms of a period, from the daily
roll-ups only (never the raw events)."""

from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet, Sum

from mercato.analytics.events_models import DailySearchTerm, DailyTraffic
from mercato.analytics.selectors import Period

# The funnel's steps, each with its DailyTraffic column.
STEP_COLUMNS = {
    "sessions": "sessions",
    "product_views": "product_view_sessions",
    "add_to_cart": "cart_sessions",
    "checkout": "checkout_sessions",
    "order": "order_sessions",
}
STEPS = tuple(STEP_COLUMNS)


@dataclass
class Funnel:
    """Sessions at each step (STEPS) over some days."""

    counts: list[int]

    def add(self, row: DailyTraffic) -> None:
        self.counts = [
            count + getattr(row, column)
            for count, column in zip(self.counts, STEP_COLUMNS.values(), strict=True)
        ]


def sum_days(rows: list[DailyTraffic], start: date, end: date) -> Funnel:
    """The funnel of the days from `start` to `end` of `rows`."""
    funnel = Funnel(counts=[0] * len(STEPS))
    for row in rows:
        if start <= row.day <= end:
            funnel.add(row)
    return funnel


def get_funnel(*, period: Period) -> tuple[Funnel, Funnel | None]:
    """The funnel of the period and of the range it compares with, in one query."""
    scope = Q(day__range=(period.start, period.end))
    if period.previous:
        scope |= Q(day__range=period.previous)
    rows = list(DailyTraffic.objects.filter(scope))
    previous = sum_days(rows, *period.previous) if period.previous else None
    return sum_days(rows, period.start, period.end), previous


@dataclass
class SearchTerm:
    term: str
    searches: int
    no_result: int


@dataclass
class SearchTerms:
    searches: int
    no_result_searches: int
    top_terms: list[SearchTerm]
    no_result_terms: list[SearchTerm]
    previous_searches: int | None = None
    previous_no_result_searches: int | None = None


def _terms(rows: QuerySet[DailySearchTerm], order: str, limit: int) -> list[SearchTerm]:
    summed = (
        rows.values("term")
        .annotate(searches=Sum("searches"), no_result=Sum("no_result"))
        .order_by(order, "term")[:limit]
    )
    return [SearchTerm(**row) for row in summed]


def _totals(period: Period) -> dict[str, int]:
    """The searches of the period and of the compared range (`previous_…`), in one query."""
    scopes = {"": Q(day__range=(period.start, period.end))}
    if period.previous:
        scopes["previous_"] = Q(day__range=period.previous)
    sums = {}  # named apart from the columns they sum
    for prefix, scope in scopes.items():
        sums[f"{prefix}searches_sum"] = Sum("searches", filter=scope)
        sums[f"{prefix}no_result_searches_sum"] = Sum("no_result", filter=scope)
    found = DailySearchTerm.objects.filter(reduce(or_, scopes.values())).aggregate(**sums)
    return {name.removesuffix("_sum"): value or 0 for name, value in found.items()}


def get_search_terms(*, period: Period, limit: int) -> SearchTerms:
    """The most searched terms of the period and those most often searched without a
    result, `limit` each, with the totals of the period and of the compared range (three
    queries)."""
    rows = DailySearchTerm.objects.filter(day__range=(period.start, period.end))
    return SearchTerms(
        **_totals(period),
        top_terms=_terms(rows, "-searches", limit),
        no_result_terms=_terms(rows.filter(no_result__gt=0), "-no_result", limit),
    )
