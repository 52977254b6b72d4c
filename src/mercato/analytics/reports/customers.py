"""The customers report: per currency and interval, the customers who ordered, new (their
first counted order in that currency is in the interval) or returning (they had ordered
before it), and the guests' orders. Read from the customer days (`CustomerDay`) and the
daily roll-ups, in three queries: the customer days grouped by day and by how long before
each the customer's first and previous orders were (capped at the longest interval: all a
point needs to tell new from returning and to count each customer once), the range's and
the compared range's totals (conditional sums), and the daily sales (guests: the day's
orders less the customers')."""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, Least

from mercato.analytics.models import CustomerDay, DailySales
from mercato.analytics.periods import Interval, buckets, days_in, shifted
from mercato.analytics.reports.common import CurrencyRows, cents, currencies, ranges, scope
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


def get_customers(
    *, period: Period, interval: Interval, currency: str | None = None
) -> list[CustomerSeries]:
    """New and returning customers per interval of the period, one series per currency, each
    point with the same interval of the compared range."""
    facts = scope(period, currency)
    # longer than any point (a compared point may be a day longer, across 29 February)
    cap = max(days_in(start, end) for start, end in buckets(period.start, period.end, interval))
    cap += 1
    days = cast(
        list[dict[str, Any]],
        list(
            CustomerDay.objects.filter(facts)
            .values(
                "currency",
                "day",
                since_first=Least("age", Value(cap)),
                since_previous=Least(Coalesce("gap", 0), Value(cap)),
            )
            .annotate(
                n=Count("pk"), orders=Sum("orders"), gross=Sum("gross"), discounts=Sum("discounts")
            )
            .order_by()
        ),
    )
    totals = _totals(period, facts)
    sales = DailySales.objects.filter(facts).values_list(
        "currency", "day", "orders", "gross", "discounts"
    )
    guests: dict[tuple[str, date], list[Any]] = {
        (code, day): [orders, cents(gross) - cents(discounts)]
        for code, day, orders, gross, discounts in sales
    }
    ordered = {code for (code, _), (orders, _) in guests.items() if orders}
    for row in days:
        guest = guests.setdefault((row["currency"], row["day"]), [0, ZERO])
        guest[0] -= row["orders"]
        guest[1] -= cents(row["gross"]) - cents(row["discounts"])
    found = []
    for code in currencies(ordered, currency):
        points = [
            CustomerPoint(start, end) for start, end in buckets(period.start, period.end, interval)
        ]
        series = CustomerSeries(code, Split(), Split() if period.previous else None, points)
        spans = _Spans(period, series)
        for row in days:
            if row["currency"] == code:
                for start, split in spans.points_of(row["day"]):
                    _count(split, (row["day"] - start).days, row)
        for (of, day), (orders, amount) in guests.items():
            if of == code:
                for _, split in spans.of(day):
                    split.guests.orders += orders
                    split.guests.sales += amount
        windows = {"current": series.totals, "previous": series.previous_totals}
        for window, of_window in windows.items():
            if of_window is not None and code in totals:
                _total(of_window, window, totals[code])
        found.append(series)
    return found


SPLITS = ("new", "returning")
FIGURES = {"customers": "pk", "orders": "orders", "gross": "gross", "discounts": "discounts"}


def _totals(period: Period, facts: Q) -> dict[str, dict[str, Any]]:
    """Per currency, each window's customers, orders, gross and discounts, new and returning
    (`<figure>_<split>_<window>`): a customer is new when their first order is in the window
    (counted on that day), returning when they ordered before it (counted on their first day
    in it: the day before it was earlier)."""
    sums: dict[str, Any] = {}
    for window, (start, end) in ranges(period).items():
        days = Q(day__range=(start, end))
        kinds = {
            "new": days & Q(first_day__gte=start),
            "returning": days & Q(first_day__lt=start),
        }
        for split, kind in kinds.items():
            for figure, column in FIGURES.items():
                if figure == "customers":
                    once = Q(age=0) if split == "new" else Q(previous_day__lt=start)
                    sums[f"{figure}_{split}_{window}"] = Count(column, filter=kind & once)
                else:
                    sums[f"{figure}_{split}_{window}"] = Sum(column, filter=kind)
    rows = CustomerDay.objects.filter(facts).values("currency").annotate(**sums).order_by()
    return {row["currency"]: dict(row) for row in rows}


def _total(split: Split, window: str, row: dict[str, Any]) -> None:
    for name in SPLITS:
        buyers = getattr(split, name)
        buyers.customers = row[f"customers_{name}_{window}"]
        buyers.orders = row[f"orders_{name}_{window}"] or 0
        buyers.sales = cents(row[f"gross_{name}_{window}"]) - cents(
            row[f"discounts_{name}_{window}"]
        )


def _count(split: Split, offset: int, row: dict[str, Any]) -> None:
    """Count the customers of one day with the same (capped) days since their first and
    their previous order in a point `offset` days after its first day: new when their first
    order is in the point (counted on that day), returning when they had ordered before
    (counted on their first day in it: the day before it was before the point)."""
    if row["since_first"] <= offset:
        buyers = split.new
        buyers.customers += row["n"] if row["since_first"] == 0 else 0
    else:
        buyers = split.returning
        buyers.customers += row["n"] if row["since_previous"] > offset else 0
    buyers.orders += row["orders"]
    buyers.sales += cents(row["gross"]) - cents(row["discounts"])
