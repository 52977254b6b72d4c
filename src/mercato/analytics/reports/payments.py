"""The payments report (docs/analytics.md, "Payments"): the payment attempts made on a range of
shop days, per currency and provider, with what came of them, from their daily roll-up
(`DailyPayments`) in one query."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from mercato.analytics.models import DailyPayments
from mercato.analytics.reports.common import (
    CurrencyRows,
    cents,
    currencies,
    per_window,
    scope,
    windows,
)
from mercato.analytics.rollups import AMOUNTS, OUTCOMES
from mercato.analytics.selectors import Period

ZERO = Decimal("0.00")
COUNTS = ("attempted", *OUTCOMES)


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
    figures: dict[str, Any] = {name: row[f"{name}_{window}"] or 0 for name in COUNTS}
    figures.update({name: cents(row[f"{name}_{window}"]) for name in AMOUNTS})
    return PaymentFigures(**figures)


def get_payments(
    *, period: Period, currency: str | None = None
) -> list[CurrencyRows[PaymentFigures, ProviderPayments]]:
    """Per currency, the payment attempts of the period by provider (most attempts first),
    each with the compared range's, and the currency's totals."""
    spans = windows(period)
    days = DailyPayments.objects.filter(scope(period, currency))
    sums = {name: (Sum, name) for name in (*COUNTS, *AMOUNTS)}
    read = per_window(days, keys={"by": "provider"}, sums=sums, spans=spans)
    found: dict[str, list[ProviderPayments]] = defaultdict(list)
    for row in read:
        found[row["currency"]].append(
            ProviderPayments(
                provider=row["by"],
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
