"""The customers report: per currency and interval, the customers who ordered, new (their
first counted order in that currency is in the interval) or returning (they had ordered
before it), and the guests' orders; read from the customer roll-ups (docs/analytics.md,
"Customers"), never from the customers' orders:

- a point of a day or a week from `DailyCustomerGroup` (the customer days of each day with
  the days since the customers' first and previous orders, capped at a week and a day:
  enough to tell, `offset` days into the point, whether the first order is in it and
  whether the day is the customer's first in it);
- the range's totals, and the points of a month, a quarter or a year, from
  `DailyCustomerMonth` (each day's customer days by the month of the customer's first order
  and by the month of their previous one: enough for every month but the one the range
  starts in), and for the days of that month before the range starts, the customer days
  themselves (`_exact`: the few whose first or previous order falls in those days);
- the guests: the day's counted orders (`DailySales`) less the customers'.

At most four queries, whatever the range and the number of orders."""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from mercato.analytics.models import (
    CustomerDay,
    DailyCustomerGroup,
    DailyCustomerMonth,
    DailySales,
)
from mercato.analytics.periods import Interval, buckets, shifted
from mercato.analytics.reports.common import CurrencyRows, cents, currencies, scope
from mercato.analytics.selectors import Period

ZERO = Decimal("0.00")


@dataclass
class Buyers:
    """Customers (accounts) who ordered, their orders, and those orders' sales (gross less
    discounts; refunds are not split over customers)."""

    customers: int = 0
    orders: int = 0
    sales: Decimal = ZERO


@dataclass
class Split:
    new: Buyers = field(default_factory=Buyers)
    returning: Buyers = field(default_factory=Buyers)
    guests: Buyers = field(default_factory=Buyers)


@dataclass
class CustomerPoint:
    start: date
    end: date
    current: Split = field(default_factory=Split)
    previous: Split | None = None


CustomerSeries = CurrencyRows[Split, CustomerPoint]
Window = tuple[date, date, Split]  # (first day, last day, split)


class _Spans:
    """The stretches of days a currency's buyers are split in: the range and its points,
    and the compared range and its points; a day finds its point by bisection."""

    def __init__(self, period: Period, series: CustomerSeries) -> None:
        self.ranges: list[tuple[date, date, Split]] = [(period.start, period.end, series.totals)]
        self.points: list[list[tuple[date, date, Split]]] = [
            [(p.start, p.end, p.current) for p in series.rows]
        ]
        if period.previous and series.previous_totals is not None:
            self.ranges.append((*period.previous, series.previous_totals))
            compared = []
            for point in series.rows:
                point.previous = Split()
                start, end = shifted(point.start, point.end, period.compare, period.days)
                compared.append((start, end, point.previous))
            self.points.append(compared)
        self.starts = [[start for start, _, _ in points] for points in self.points]

    def points_windows(self) -> list[list[Window]]:
        """The points and the compared points, as two lists of windows."""
        return [list(points) for points in self.points]

    def families(self, points: bool) -> list[list[Window]]:
        """Each range alone, then (with `points`) the points and the compared points."""
        return [[window] for window in self.ranges] + (self.points_windows() if points else [])

    def points_of(self, day: date) -> list[tuple[date, Split]]:
        """(first day, split) of every point holding `day`."""
        found = []
        for points, starts in zip(self.points, self.starts, strict=True):
            index = bisect_right(starts, day) - 1
            if index >= 0 and day <= points[index][1]:
                found.append((points[index][0], points[index][2]))
        return found

    def of(self, day: date) -> list[tuple[date, Split]]:
        """(first day, split) of every range and point holding `day`."""
        found = [(start, split) for start, end, split in self.ranges if start <= day <= end]
        for points, starts in zip(self.points, self.starts, strict=True):
            index = bisect_right(starts, day) - 1
            if index >= 0 and day <= points[index][1]:
                found.append((points[index][0], points[index][2]))
        return found


SHORT: tuple[Interval, ...] = ("day", "week")  # read from DailyCustomerGroup


def get_customers(
    *, period: Period, interval: Interval, currency: str | None = None
) -> list[CustomerSeries]:
    """New and returning customers per interval of the period, one series per currency, each
    point with the same interval of the compared range."""
    facts = scope(period, currency)
    sales = DailySales.objects.filter(facts).values_list(
        "currency", "day", "orders", "gross", "discounts"
    )
    days = list(sales)
    found = []
    series_of: dict[str, tuple[CustomerSeries, _Spans]] = {}
    for code in currencies({row[0] for row in days if row[2]}, currency):
        points = [
            CustomerPoint(start, end) for start, end in buckets(period.start, period.end, interval)
        ]
        series = CustomerSeries(code, Split(), Split() if period.previous else None, points)
        series_of[code] = (series, _Spans(period, series))
        found.append(series)
    for code, day, orders, gross, discounts in days:
        if code in series_of:
            for _, split in series_of[code][1].of(day):
                split.guests.orders += orders
                split.guests.sales += cents(gross) - cents(discounts)
    if interval in SHORT:
        _short_points(facts, series_of)
    _long_windows(facts, series_of, points=interval not in SHORT)
    for series, _ in series_of.values():
        splits: list[Split | None] = [series.totals, series.previous_totals]
        splits += [one for point in series.rows for one in (point.current, point.previous)]
        for one in splits:
            if one is not None:  # the guests: the day's orders less the customers'
                one.guests.orders -= one.new.orders + one.returning.orders
                one.guests.sales -= one.new.sales + one.returning.sales
    return found


def _short_points(facts: Q, series_of: dict[str, tuple[CustomerSeries, "_Spans"]]) -> None:
    """The points of a day or a week, from the capped customer groups of their days."""
    rows = DailyCustomerGroup.objects.filter(facts).values_list(
        "currency",
        "day",
        "since_first",
        "since_previous",
        "customers",
        "orders",
        "gross",
        "discounts",
    )
    for code, day, since_first, since_previous, customers, orders, gross, discounts in rows:
        if code not in series_of:
            continue
        for start, split in series_of[code][1].points_of(day):
            offset = (day - start).days
            if since_first <= offset:  # the first order is in the point (this day or before)
                buyers = split.new
                buyers.customers += customers if since_first == 0 else 0
            else:  # counted once, on the first day in the point
                buyers = split.returning
                buyers.customers += customers if since_previous > offset else 0
            buyers.orders += orders
            buyers.sales += cents(gross) - cents(discounts)


def _case(windows: list[Window]) -> Case:
    """Which of these (disjoint) windows a day is in (its index; none: null)."""
    whens = [
        When(day__range=(start, end), then=Value(i)) for i, (start, end, _) in enumerate(windows)
    ]
    return Case(*whens, default=None, output_field=IntegerField())


def _long_windows(
    facts: Q, series_of: dict[str, tuple[CustomerSeries, "_Spans"]], *, points: bool
) -> None:
    """The totals (and with `points` the points) from the customer months of their days: a
    window starting on day `s` of month `m` counts as new the orders of customers whose first
    order is in `m` or later, and once each the customers whose previous order is before
    `m`; the customer days whose first or previous order is in `m` before `s`, read exactly,
    move from new to returning, and count as returning customers."""
    if not series_of:
        return
    spans = next(iter(series_of.values()))[1]  # the same days in every currency
    families: list[list[Window]] = [[window] for window in spans.ranges]
    if points:
        families += spans.points_windows()
    columns = {f"w{i}": _case(family) for i, family in enumerate(families)}
    rows = cast(
        list[dict[str, Any]],
        DailyCustomerMonth.objects.filter(facts)
        .values("currency", "by", "month", **columns)
        .annotate(
            n=Sum("customers"),
            firsts=Sum("firsts"),
            orders=Sum("orders"),
            gross=Sum("gross"),
            discounts=Sum("discounts"),
        )
        .order_by(),
    )
    for row in rows:
        if row["currency"] not in series_of:
            continue
        windows = series_of[row["currency"]][1].families(points)
        for i, family in enumerate(windows):
            index = row[f"w{i}"]
            if index is None:
                continue
            start, _, split = family[index]
            if row["by"] == "previous":
                if row["month"] < start.replace(day=1):
                    split.returning.customers += row["n"]
                continue
            amount = cents(row["gross"]) - cents(row["discounts"])
            split.new.customers += row["firsts"]
            buyers = split.new if row["month"] >= start.replace(day=1) else split.returning
            buyers.orders += row["orders"]
            buyers.sales += amount
    _exact(facts, series_of, points)


def _exact(facts: Q, series_of: dict[str, tuple[CustomerSeries, "_Spans"]], points: bool) -> None:
    """The customer days of the windows that start after the first of their month, whose
    customer's first or previous order is in that month before the window starts."""
    spans = next(iter(series_of.values()))[1]
    found = Q()
    windows = [w for family in spans.families(points) for w in family if w[0].day > 1]
    for start, end, _ in windows:
        before = (start.replace(day=1), start - timedelta(days=1))
        days = Q(day__range=(start, end))
        found |= days & (Q(first_day__range=before) | Q(previous_day__range=before))
    if not windows:
        return
    sums: dict[str, Any] = {}
    for i, (start, end, _) in enumerate(windows):
        days = Q(day__range=(start, end))
        first = days & Q(first_day__range=(start.replace(day=1), start - timedelta(days=1)))
        previous = days & Q(previous_day__range=(start.replace(day=1), start - timedelta(days=1)))
        sums[f"orders{i}"] = Sum("orders", filter=first)
        sums[f"gross{i}"] = Sum("gross", filter=first)
        sums[f"discounts{i}"] = Sum("discounts", filter=first)
        sums[f"returning{i}"] = Count("pk", filter=previous)
    grouped = CustomerDay.objects.filter(facts & found).values("currency").annotate(**sums)
    rows = cast(list[dict[str, Any]], grouped.order_by())
    for row in rows:
        if row["currency"] not in series_of:
            continue
        own = [w for f in series_of[row["currency"]][1].families(points) for w in f if w[0].day > 1]
        for i, (_, _, split) in enumerate(own):
            orders = row[f"orders{i}"] or 0
            amount = cents(row[f"gross{i}"]) - cents(row[f"discounts{i}"])
            split.new.orders -= orders
            split.new.sales -= amount
            split.returning.orders += orders
            split.returning.sales += amount
            split.returning.customers += row[f"returning{i}"]
