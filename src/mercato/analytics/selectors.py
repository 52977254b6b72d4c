"""Reading the reports (docs/analytics.md). Every report reads the daily roll-ups of its range
(and of the range it compares with) in one query and sums them per currency: it never scans
orders, and a report never adds two currencies up."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from mercato.analytics.errors import InvalidRange, RangeTooLong, UnknownCurrency
from mercato.analytics.models import DailySales
from mercato.analytics.periods import Compare, Interval, buckets, days_in, shifted
from mercato.core.money import quantize

ZERO = Decimal("0.00")
ONE_DAY = timedelta(days=1)
AMOUNTS = ("gross", "discounts", "refunds", "net", "shipping", "tax", "total")


@dataclass
class Figures:
    """Sums of roll-ups: counts and amounts of one currency over some days."""

    orders: int = 0
    units: int = 0
    gross: Decimal = ZERO
    discounts: Decimal = ZERO
    refunds: Decimal = ZERO
    net: Decimal = ZERO
    shipping: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO

    def add(self, row: DailySales) -> None:
        self.orders += row.orders
        self.units += row.units
        for name in AMOUNTS:
            setattr(self, name, getattr(self, name) + getattr(row, name))

    @property
    def average_order_value(self) -> Decimal | None:
        """Net sales per order, half-up to the cent; None without orders."""
        return quantize(self.net / self.orders) if self.orders else None


@dataclass(frozen=True)
class Period:
    """A report's range of shop days (both ends included) and the range it compares with."""

    start: date
    end: date
    compare: Compare
    previous: tuple[date, date] | None

    @property
    def days(self) -> int:
        return days_in(self.start, self.end)


EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2999, 12, 31)
"""The days a report may name: any shop's history, with room for the compared year before and
for the last interval's end, far from the calendar's ends (year 1 and 9999)."""


def get_period(*, start: date, end: date, compare: Compare) -> Period:
    """The report period, or 422 `invalid_range` (end before start, or a day outside
    EARLIEST_DAY..LATEST_DAY) / `range_too_long`."""
    if end < start:
        raise InvalidRange("The range ends before it starts.", field="to")
    for name, day in (("from", start), ("to", end)):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise InvalidRange(
                f"Reports cover the days from {EARLIEST_DAY} to {LATEST_DAY}.", field=name
            )
    limit = settings.ANALYTICS_MAX_RANGE_DAYS
    if days_in(start, end) > limit:
        raise RangeTooLong(f"A report covers at most {limit} days.", field="to", max_days=limit)
    previous = None if compare == "none" else shifted(start, end, compare, days_in(start, end))
    return Period(start=start, end=end, compare=compare, previous=previous)


def check_currency(currency: str | None) -> None:
    """None (every currency), the shop's currency, or one it has sold in; else 422
    `unknown_currency`."""
    if currency is None or currency == settings.STORE_CURRENCY:
        return
    if not DailySales.objects.filter(currency=currency).exists():
        raise UnknownCurrency(
            f"The shop has no sales in {currency}.", field="currency", currency=currency
        )


def list_daily_sales(*, period: Period, currency: str | None) -> list[DailySales]:
    """The roll-ups of the period and of the range it compares with, in one query."""
    scope = Q(day__range=(period.start, period.end))
    if period.previous:
        scope |= Q(day__range=period.previous)
    rows = DailySales.objects.filter(scope)
    if currency:
        rows = rows.filter(currency=currency)
    return list(rows.order_by("day", "currency"))


def _currencies(rows: list[DailySales], currency: str | None) -> list[str]:
    """The currencies a report shows: the one asked for, else every one with sales (the
    shop's own when there is none)."""
    if currency:
        return [currency]
    return sorted({row.currency for row in rows}) or [settings.STORE_CURRENCY]


Days = dict[date, DailySales]  # one currency's roll-ups by day


def _by_currency(rows: list[DailySales]) -> dict[str, Days]:
    found: dict[str, Days] = defaultdict(dict)
    for row in rows:
        found[row.currency][row.day] = row
    return found


def _sum(days: Days, start: date, end: date) -> Figures:
    """The figures of the days from `start` to `end` (both included)."""
    figures = Figures()
    day = start
    while day <= end:
        if row := days.get(day):
            figures.add(row)
        day += ONE_DAY
    return figures


@dataclass
class CurrencyOverview:
    currency: str
    current: Figures
    previous: Figures | None


def get_overview(*, period: Period, currency: str | None = None) -> list[CurrencyOverview]:
    """The KPIs of the period per currency, with those of the range it compares with."""
    rows = list_daily_sales(period=period, currency=currency)
    by_currency = _by_currency(rows)
    return [
        CurrencyOverview(
            currency=code,
            current=_sum(by_currency[code], period.start, period.end),
            previous=_sum(by_currency[code], *period.previous) if period.previous else None,
        )
        for code in _currencies(rows, currency)
    ]


@dataclass
class RevenuePoint:
    start: date
    end: date
    figures: Figures
    previous: Figures | None = None


@dataclass
class RevenueSeries:
    currency: str
    totals: Figures
    previous_totals: Figures | None
    points: list[RevenuePoint] = field(default_factory=list)


def get_revenue(
    *, period: Period, interval: Interval, currency: str | None = None
) -> list[RevenueSeries]:
    """Sales per interval over the period, one series per currency; with a comparison,
    each point carries the same interval of the compared range (moved back by the period's
    length, or by a year)."""
    rows = list_daily_sales(period=period, currency=currency)
    by_currency = _by_currency(rows)
    series = []
    for code in _currencies(rows, currency):
        days = by_currency[code]
        points = []
        for start, end in buckets(period.start, period.end, interval):
            point = RevenuePoint(start=start, end=end, figures=_sum(days, start, end))
            if period.previous:
                point.previous = _sum(days, *shifted(start, end, period.compare, period.days))
            points.append(point)
        series.append(
            RevenueSeries(
                currency=code,
                totals=_sum(days, period.start, period.end),
                previous_totals=_sum(days, *period.previous) if period.previous else None,
                points=points,
            )
        )
    return series
