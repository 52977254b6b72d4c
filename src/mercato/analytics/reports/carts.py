"""The carts report: carts made, with lines, turned into orders and abandoned, per currency
and interval of a range of shop days, from the `DailyCarts` roll-ups in one query."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from mercato.analytics.models import DailyCarts
from mercato.analytics.periods import Interval, buckets, days_in, shifted
from mercato.analytics.reports.common import CurrencyRows, currencies, scope
from mercato.analytics.selectors import Period

ZERO = Decimal("0.00")


@dataclass
class CartFigures:
    """The carts made over some days, as they stand."""

    created: int = 0
    with_lines: int = 0
    converted: int = 0
    abandoned: int = 0
    abandoned_value: Decimal = ZERO

    def add(self, row: DailyCarts) -> None:
        self.created += row.created
        self.with_lines += row.with_lines
        self.converted += row.converted
        self.abandoned += row.abandoned
        self.abandoned_value += row.abandoned_value


@dataclass
class CartPoint:
    start: date
    end: date
    current: CartFigures
    previous: CartFigures | None = None


CartSeries = CurrencyRows[CartFigures, CartPoint]


def _sum(days: dict[date, DailyCarts], start: date, end: date) -> CartFigures:
    """The figures of the days from `start` to `end` (both included), day by day."""
    figures = CartFigures()
    for offset in range(days_in(start, end)):
        row = days.get(start + timedelta(days=offset))
        if row is not None:
            figures.add(row)
    return figures


def get_carts(
    *, period: Period, interval: Interval, currency: str | None = None
) -> list[CartSeries]:
    """The carts of the period per interval, one series per currency, each point with the
    same interval of the compared range."""
    by_currency: dict[str, dict[date, DailyCarts]] = defaultdict(dict)
    for row in DailyCarts.objects.filter(scope(period, currency)).order_by("day", "currency"):
        by_currency[row.currency][row.day] = row
    found = []
    for code in currencies(by_currency, currency):
        days = by_currency[code]
        points = []
        for start, end in buckets(period.start, period.end, interval):
            point = CartPoint(start, end, _sum(days, start, end))
            if period.previous:
                point.previous = _sum(days, *shifted(start, end, period.compare, period.days))
            points.append(point)
        found.append(
            CartSeries(
                currency=code,
                totals=_sum(days, period.start, period.end),
                previous_totals=_sum(days, *period.previous) if period.previous else None,
                rows=points,
            )
        )
    return found
