"""The orders report: counted orders and their net sales grouped by status, shipping
country, shipping method or payment provider, in two queries (the order facts, the refund
facts)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.db.models import Count, Sum

from mercato.analytics.models import OrderFact, RefundFact
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

    placed = OrderFact.objects.filter(scope(period, currency), counted=True)
    order_sums = {"orders": (Count, "pk"), "gross": (Sum, "gross"), "discounts": (Sum, "discounts")}
    for row in per_window(placed, keys={"key": by}, sums=order_sums, spans=spans):
        for window in spans:
            found = sales(row["currency"], row["key"], window)
            found.orders += row[f"orders_{window}"]
            found.gross += cents(row[f"gross_{window}"])
            found.discounts += cents(row[f"discounts_{window}"])
    refunded = RefundFact.objects.filter(scope(period, currency), counted=True)
    refund_sums = {"amount": (Sum, "amount")}
    for row in per_window(refunded, keys={"key": f"order__{by}"}, sums=refund_sums, spans=spans):
        for window in spans:
            sales(row["currency"], row["key"], window).refunds += cents(row[f"amount_{window}"])
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
