"""The orders report: counted orders and their net sales grouped by status, shipping
country, shipping method or payment provider, in one query of the `DailyOrderGroup`
roll-ups."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.db.models import Sum

from mercato.analytics.models import DailyOrderGroup
from mercato.analytics.reports.common import (
    CurrencyRows,
    cents,
    currencies,
    per_window,
    scope,
    windows,
)
from mercato.analytics.selectors import Period

Breakdown = Literal["status", "country", "shipping_method", "payment_provider"]
ZERO = Decimal("0.00")


@dataclass
class Sales:
    """Counted orders placed in a window and their net sales (refunds in the window of
    those orders' group, whenever the order was placed)."""

    orders: int = 0
    gross: Decimal = ZERO
    discounts: Decimal = ZERO
    refunds: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.discounts - self.refunds

    def add(self, other: "Sales") -> None:
        self.orders += other.orders
        self.gross += other.gross
        self.discounts += other.discounts
        self.refunds += other.refunds


@dataclass
class Group:
    key: str
    current: Sales = field(default_factory=Sales)
    previous: Sales | None = None


CurrencyBreakdown = CurrencyRows[Sales, Group]


def get_orders_breakdown(
    *, period: Period, by: Breakdown, currency: str | None = None
) -> list[CurrencyBreakdown]:
    """Per currency, one group per value of `by` (largest net sales first), each with the
    same group in the compared range."""
    spans = windows(period)
    groups: dict[str, dict[str, Group]] = defaultdict(dict)

    def sales(code: str, key: str, window: str) -> Sales:
        group = groups[code].setdefault(key, Group(key=key))
        if window == "current":
            return group.current
        group.previous = group.previous or Sales()
        return group.previous

    rows = DailyOrderGroup.objects.filter(scope(period, currency), by=by)
    sums = {name: (Sum, name) for name in ("orders", "gross", "discounts", "refunds")}
    for row in per_window(rows, keys={"value": "key"}, sums=sums, spans=spans):
        for window in spans:
            found = sales(row["currency"], row["value"], window)
            found.orders += row[f"orders_{window}"] or 0
            found.gross += cents(row[f"gross_{window}"])
            found.discounts += cents(row[f"discounts_{window}"])
            found.refunds += cents(row[f"refunds_{window}"])
    return [
        _breakdown(code, groups[code], "previous" in spans) for code in currencies(groups, currency)
    ]


def _breakdown(code: str, groups: dict[str, Group], compared: bool) -> CurrencyBreakdown:
    totals, previous = Sales(), Sales() if compared else None
    for group in groups.values():
        totals.add(group.current)
        if previous is not None:
            group.previous = group.previous or Sales()
            previous.add(group.previous)
    ordered = sorted(groups.values(), key=lambda g: (-g.current.net, -g.current.orders, g.key))
    return CurrencyBreakdown(code, totals, previous, ordered)
