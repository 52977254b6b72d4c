"""What the breakdown reports share: the two windows of a period, and sums back to cents."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Aggregate, F, Q, QuerySet

from mercato.analytics.models import StaleRollup
from mercato.analytics.rollups import SPANS, span_days, span_start
from mercato.analytics.selectors import Period
from mercato.core.money import CENT

T = TypeVar("T")
R = TypeVar("R")
ONE_DAY = timedelta(days=1)


@dataclass
class CurrencyRows(Generic[T, R]):
    """One currency's part of a report: the range's totals, the compared range's (None
    without a comparison), and its rows (the groups of a breakdown, the points of a series)."""

    currency: str
    totals: T
    previous_totals: T | None
    rows: list[R]


def ranges(period: Period) -> dict[str, tuple[date, date]]:
    """The period's days (`current`) and, with a comparison, the compared days (`previous`),
    as (first, last)."""
    found = {"current": (period.start, period.end)}
    if period.previous:
        found["previous"] = period.previous
    return found


def windows(period: Period) -> dict[str, Q]:
    """The same windows as filters on the facts' `day`."""
    return {window: Q(day__range=days) for window, days in ranges(period).items()}


def scope(period: Period, currency: str | None) -> Q:
    """The facts a report reads: those of either window, in the currency asked for."""
    found = Q()
    for window in windows(period).values():
        found |= window
    return found & Q(currency=currency) if currency else found


def cents(value: Any) -> Decimal:
    """A database sum as a Decimal in cents (SQLite sums decimals as floats; None is 0)."""
    return Decimal(str(value or 0)).quantize(CENT)


def currencies(found: Iterable[str], currency: str | None) -> list[str]:
    """The currencies a report shows: the one asked for, else every one it found (the shop's
    own when there is none)."""
    if currency:
        return [currency]
    return sorted(set(found)) or [settings.STORE_CURRENCY]


def per_window(
    facts: QuerySet[Any],
    *,
    keys: Mapping[str, str],
    sums: Mapping[str, tuple[type[Aggregate], str]],
    spans: dict[str, Q],
) -> list[dict[str, Any]]:
    """The facts grouped by currency and `keys` (`alias: column or path to one`; an alias is
    not a column's name), in one query: each `name: (aggregate, column)` of `sums` once per
    window, as `<name>_<window>`."""
    grouped = facts.values("currency", **{alias: F(path) for alias, path in keys.items()})
    grouped = grouped.annotate(
        **{
            f"{name}_{window}": aggregate(column, filter=days)
            for window, days in spans.items()
            for name, (aggregate, column) in sums.items()
        }
    )
    return list(grouped.order_by())


def either(filters: Iterable[Q]) -> Q:
    """Rows that pass any of the filters (none: no row)."""
    found = Q(pk__in=[])
    for q in filters:
        found |= q
    return found


@dataclass(frozen=True)
class SpanSplit:
    """A period's windows split for a report with line roll-ups: the whole months, then the
    whole weeks of what is left, that are not stale, read from the roll-ups (`rollups`:
    filters on a roll-up's `span` and `start`), and the rest of each window's days (`days`:
    filters on `day`), read from the facts."""

    rollups: dict[str, Q]
    days: dict[str, Q]


def split_spans(period: Period) -> SpanSplit:
    """The windows of `period`, their whole months and weeks that are not stale apart (one
    query)."""
    stale = set(StaleRollup.objects.values_list("span", "start"))
    rollups: dict[str, Q] = {}
    days: dict[str, Q] = {}
    for window, whole_window in ranges(period).items():
        runs = [whole_window]
        found = Q(pk__in=[])
        for span in SPANS:
            starts, runs = whole_spans(span, runs, stale)
            found |= Q(span=span, start__in=starts)
        rollups[window] = found
        days[window] = either(Q(day__range=run) for run in runs)
    return SpanSplit(rollups, days)


def whole_spans(
    span: str, runs: list[tuple[date, date]], stale: set[tuple[str, date]]
) -> tuple[list[date], list[tuple[date, date]]]:
    """The starts of the whole months (weeks) within the runs of days that are not stale,
    and the runs of days left."""
    starts: list[date] = []
    left: list[tuple[date, date]] = []
    for first, last in runs:
        start = span_start(span, first)
        if start < first:
            start = span_days(span, start)[1] + ONE_DAY
        day = first
        while span_days(span, start)[1] <= last:
            end = span_days(span, start)[1]
            if (span, start) not in stale:
                starts.append(start)
                if day < start:
                    left.append((day, start - ONE_DAY))
                day = end + ONE_DAY
            start = end + ONE_DAY
        if day <= last:
            left.append((day, last))
    return starts, left
