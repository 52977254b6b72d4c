"""What the breakdown reports share: the two windows of a period, and sums back to cents."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Aggregate, F, Q, QuerySet

from mercato.analytics.models import StaleMonth
from mercato.analytics.rollups import month_days, month_of
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
class MonthSplit:
    """A period's windows split for a report with monthly roll-ups: the whole months of each
    window that are not stale, read from the roll-ups, and the rest of its days (`days`:
    filters on `day`), read from the facts."""

    whole: dict[str, list[date]]
    days: dict[str, Q]

    @property
    def months(self) -> dict[str, Q]:
        """The whole months, as filters on a roll-up's `month`."""
        return {window: Q(month__in=months) for window, months in self.whole.items()}


def split_months(period: Period) -> MonthSplit:
    """The windows of `period`, their whole months that are not stale apart (one query)."""
    stale = set(StaleMonth.objects.values_list("month", flat=True))
    months: dict[str, list[date]] = {}
    days: dict[str, Q] = {}
    for window, (first, last) in ranges(period).items():
        whole = []
        month = month_of(first) if first.day == 1 else month_of(month_days(first)[1] + ONE_DAY)
        while month_days(month)[1] <= last:
            if month not in stale:
                whole.append(month)
            month = month_days(month)[1] + ONE_DAY
        months[window] = whole
        left = Q(day__range=(first, last))
        for start, end in _runs(whole):
            left &= ~Q(day__range=(start, end))
        days[window] = left
    return MonthSplit(months, days)


def _runs(months: list[date]) -> list[tuple[date, date]]:
    """Consecutive months as (first day, last day) runs."""
    runs: list[tuple[date, date]] = []
    for month in months:
        first, last = month_days(month)
        if runs and runs[-1][1] + ONE_DAY == first:
            runs[-1] = (runs[-1][0], last)
        else:
            runs.append((first, last))
    return runs
