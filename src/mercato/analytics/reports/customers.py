"""The customers report: per currency and interval, the customers who ordered, new (their
first counted order in that currency is in the interval) or returning (they had ordered
before it), and the guests' orders; from the order facts, in two queries (the range's
orders per customer and day, and those customers' first order day)."""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count, Min, Sum

from mercato.analytics.models import OrderFact
from mercato.analytics.periods import Interval, buckets, shifted
from mercato.analytics.reports.common import CurrencyRows, cents, currencies, scope
from mercato.analytics.selectors import Period

ZERO = Decimal("0.00")


@dataclass
class Buyers:
    """Customers (accounts) who ordered, their orders, and those orders' sales (gross less
    discounts; refunds are not split over customers)."""

    customers: set[int] = field(default_factory=set)
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
    facts = OrderFact.objects.filter(scope(period, currency), counted=True)
    rows = cast(
        list[dict[str, Any]],
        list(
            facts.values("currency", "customer_id", "day")
            .annotate(orders=Count("pk"), gross=Sum("gross"), discounts=Sum("discounts"))
            .order_by()
        ),
    )
    ordered = facts.filter(customer_id__isnull=False).values("customer_id")
    firsts = {
        (row["currency"], row["customer_id"]): row["first"]
        for row in OrderFact.objects.filter(counted=True, customer_id__in=ordered)
        .values("currency", "customer_id")
        .annotate(first=Min("day"))
        .order_by()
    }
    found = []
    for code in currencies({row["currency"] for row in rows}, currency):
        points = [
            CustomerPoint(start, end) for start, end in buckets(period.start, period.end, interval)
        ]
        series = CustomerSeries(code, Split(), Split() if period.previous else None, points)
        spans = _Spans(period, series)
        for row in rows:
            if row["currency"] == code:
                first = firsts.get((code, row["customer_id"]))
                for start, split in spans.of(row["day"]):
                    _count(split, start, row, first)
        found.append(series)
    return found


def _count(split: Split, start: date, row: dict[str, Any], first: date | None) -> None:
    """Count one customer's (or the guests') orders of a day in a split of days from
    `start` on: returning when the customer's first order came before."""
    customer = row["customer_id"]
    if customer is None:
        buyers = split.guests
    else:
        buyers = split.returning if first is not None and first < start else split.new
        buyers.customers.add(customer)
    buyers.orders += row["orders"]
    buyers.sales += cents(row["gross"]) - cents(row["discounts"])
