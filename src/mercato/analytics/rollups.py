"""Summing the breakdown roll-ups from the facts, in the database (docs/analytics.md).

Each roll-up names, for the facts of some shop days, the grouped rows to insert: one
`INSERT ... SELECT` each. `refresh_rollups` sums the roll-ups of some days again (an order's
refresh, for the days its facts touched; the rebuild, for every day)."""

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import Count, F, Q, QuerySet, Sum, Value

from mercato.analytics.copying import insert_from
from mercato.analytics.models import DailyOrderGroup, OrderFact, RefundFact

Rows = tuple[QuerySet, dict[str, Any]]  # grouped facts, and each column's expression
ZERO = Value(0)

# The orders report's breakdowns: the order fact's column, and the refund fact's path to it.
BREAKDOWNS = ("status", "country", "shipping_method", "payment_provider")


def _order_groups(days: Q) -> list[Rows]:
    rows: list[Rows] = []
    for by in BREAKDOWNS:
        placed = OrderFact.objects.filter(days, counted=True).values("day", "currency", by)
        refunded = RefundFact.objects.filter(days, counted=True)
        refunded = refunded.values("day", "currency", f"order__{by}")
        common = {"day": F("day"), "currency": F("currency"), "by": Value(by)}
        rows.append(
            (
                placed,
                common
                | {
                    "key": F(by),
                    "orders": Count("pk"),
                    "gross": Sum("gross"),
                    "discounts": Sum("discounts"),
                    "refunds": ZERO,
                },
            )
        )
        rows.append(
            (
                refunded,
                common
                | {
                    "key": F(f"order__{by}"),
                    "orders": ZERO,
                    "gross": ZERO,
                    "discounts": ZERO,
                    "refunds": Sum("amount"),
                },
            )
        )
    return rows


ROLLUPS: list[tuple[type[models.Model], Callable[[Q], list[Rows]]]] = [
    (DailyOrderGroup, _order_groups),
]


def refresh_rollups(days: Q) -> None:
    """Sum the breakdown roll-ups of the days in `days` (a filter on `day`) again."""
    for model, rows in ROLLUPS:
        model.objects.filter(days).delete()
        for source, columns in rows(days):
            insert_from(model, source, columns)
