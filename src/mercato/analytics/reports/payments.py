"""The payments report (docs/analytics.md, "Payments"): the payment attempts made on a range of
shop days, per currency and provider, with what came of them, from the payment facts in one
query."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from mercato.analytics.models import PaymentFact
from mercato.analytics.reports.common import CurrencyRows, cents, currencies, scope, windows
from mercato.analytics.selectors import Period
from mercato.payments.models import Payment

ZERO = Decimal("0.00")
S = Payment.Status
OUTCOMES = {
    "authorized": Q(status__in=Payment.AUTHORIZED_STATES),
    "declined": Q(status=S.FAILED),
    "voided": Q(status=S.VOIDED),
    "open": Q(status__in=Payment.OPEN_STATES),
    "captured_count": Q(captured__gt=0),
}
AMOUNTS = ("authorized_amount", "captured", "refunded")


@dataclass
class PaymentFigures:
    """Attempts made in a window and what came of them (their status now), and their money."""

    attempted: int = 0
    authorized: int = 0  # the provider holds or held the money
    captured_count: int = 0  # money was taken
    declined: int = 0  # failed: refused by the provider
    voided: int = 0  # released before any capture, or abandoned
    open: int = 0  # pending, or waiting for the shopper (3-D Secure)
    authorized_amount: Decimal = ZERO
    captured: Decimal = ZERO
    refunded: Decimal = ZERO

    def add(self, other: "PaymentFigures") -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


@dataclass
class ProviderPayments:
    provider: str
    current: PaymentFigures = field(default_factory=PaymentFigures)
    previous: PaymentFigures | None = None


def _figures(row: Mapping[str, Any], window: str) -> PaymentFigures:
    figures: dict[str, Any] = {name: row[f"{name}_{window}"] for name in OUTCOMES}
    figures.update({name: cents(row[f"{name}_{window}"]) for name in AMOUNTS})
    return PaymentFigures(attempted=row[f"attempted_{window}"], **figures)


def get_payments(
    *, period: Period, currency: str | None = None
) -> list[CurrencyRows[PaymentFigures, ProviderPayments]]:
    """Per currency, the payment attempts of the period by provider (most attempts first),
    each with the compared range's, and the currency's totals."""
    spans = windows(period)
    sums: dict[str, Any] = {}
    for window, days in spans.items():
        sums[f"attempted_{window}"] = Count("pk", filter=days)
        for name, outcome in OUTCOMES.items():
            sums[f"{name}_{window}"] = Count("pk", filter=days & outcome)
        sums[f"authorized_amount_{window}"] = Sum("authorized", filter=days)
        sums[f"captured_{window}"] = Sum("captured", filter=days)
        sums[f"refunded_{window}"] = Sum("refunded", filter=days)
    grouped = (
        PaymentFact.objects.filter(scope(period, currency))
        .values("currency", "provider")
        .annotate(**sums)
        .order_by()
    )
    read: list[Mapping[str, Any]] = list(grouped)
    found: dict[str, list[ProviderPayments]] = defaultdict(list)
    for row in read:
        found[row["currency"]].append(
            ProviderPayments(
                provider=row["provider"],
                current=_figures(row, "current"),
                previous=_figures(row, "previous") if "previous" in spans else None,
            )
        )
    blocks = []
    for code in currencies(found, currency):
        rows = sorted(found[code], key=lambda p: (-p.current.attempted, p.provider))
        totals = PaymentFigures()
        previous = PaymentFigures() if "previous" in spans else None
        for item in rows:
            totals.add(item.current)
            if previous is not None and item.previous is not None:
                previous.add(item.previous)
        blocks.append(CurrencyRows(code, totals, previous, rows))
    return blocks
