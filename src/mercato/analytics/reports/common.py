"""What the breakdown reports share: the two windows of a period, and sums back to cents."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Aggregate, F, Q, QuerySet

from mercato.analytics.selectors import Period
from mercato.core.money import CENT

T = TypeVar("T")
R = TypeVar("R")


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
