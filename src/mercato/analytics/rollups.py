"""Summing the breakdown roll-ups from the facts, in the database (docs/analytics.md).

Each roll-up names, for the facts of some shop days, the grouped rows to insert: one
`INSERT ... SELECT` each. `refresh_rollups` sums the daily roll-ups of some days again (an
order's refresh, for the days its facts touched; the rebuild, for every day) and marks their
months and weeks stale; `roll_up_stale` (a chore) sums the line roll-ups of the stale ones."""

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth, TruncWeek

from mercato.analytics.copying import insert_from
from mercato.analytics.models import (
    DailyOrderGroup,
    DailyTax,
    LineSalesRollup,
    OrderFact,
    OrderLineFact,
    RefundFact,
    RefundTaxPart,
    StaleRollup,
)

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


def _taxes(days: Q) -> list[Rows]:
    """The counted orders' lines and shipping on their order's day, and the parts of the
    counted refunds on the refund's day, taken off; each keyed by its order's country,
    reverse charge and buyer VAT number."""
    keys = ("country", "reverse_charge", "vat_number")
    common = {"day": F("day"), "currency": F("currency")}
    lines = OrderLineFact.objects.filter(days, counted=True)
    lines = lines.values("day", "currency", "tax_rate", *(f"order__{key}" for key in keys))
    shipping = OrderFact.objects.filter(days, counted=True)
    shipping = shipping.values("day", "currency", "shipping_tax_rate", *keys)
    parts = RefundTaxPart.objects.filter(days, refund__counted=True)
    parts = parts.values("day", "currency", "rate", *(f"order__{key}" for key in keys))
    of_order = common | {key: F(f"order__{key}") for key in keys}
    return [
        (
            lines,
            of_order
            | {"rate": F("tax_rate"), "orders": ZERO, "taxable": Sum("net"), "tax": Sum("tax")},
        ),
        (
            shipping,
            common
            | {key: F(key) for key in keys}
            | {
                "rate": F("shipping_tax_rate"),
                "orders": Count("pk"),
                "taxable": Sum("shipping_net"),
                "tax": Sum("shipping_tax"),
            },
        ),
        (
            parts,
            of_order
            | {"rate": F("rate"), "orders": ZERO, "taxable": -Sum("taxable"), "tax": -Sum("tax")},
        ),
    ]


ROLLUPS: list[tuple[type[models.Model], Callable[[Q], list[Rows]]]] = [
    (DailyOrderGroup, _order_groups),
    (DailyTax, _taxes),
]


SPANS = ("month", "week")  # the longer first: a report reads the fewest rows


def span_start(span: str, day: date) -> date:
    """The first day of the month or week (from Monday) of `day`."""
    if span == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def span_days(span: str, start: date) -> tuple[date, date]:
    """The first and the last day of the month or week starting on `start`."""
    if span == "week":
        return start, start + timedelta(days=6)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following - timedelta(days=1)


def _line_rollups(span: str, days: Q) -> list[Rows]:
    lines = OrderLineFact.objects.filter(days, counted=True)
    truncated = TruncMonth("day") if span == "month" else TruncWeek("day")
    rows: list[Rows] = []
    for by, keys in (("product", ("product_id",)), ("variant", ("product_id", "variant_id"))):
        grouped = lines.values("currency", *keys, start=truncated)
        columns = {
            "span": Value(span),
            "start": F("start"),
            "currency": F("currency"),
            "by": Value(by),
            **{key: F(key) for key in keys},
            "units": Sum("quantity"),
            "gross": Sum("gross"),
            "discounts": Sum("discount"),
            "returned": Sum("returned"),
            "orders": Sum(f"{by}_orders"),
        }
        rows.append((grouped, columns))
    return rows


def _sum(days: Q) -> None:
    for model, rows in ROLLUPS:
        for source, columns in rows(days):
            insert_from(model, source, columns)


def refresh_rollups(days: Q, touched: Iterable[date]) -> None:
    """Sum the daily roll-ups of the days in `days` (a filter on `day`) again, and mark the
    months and weeks of the `touched` days stale."""
    for model, _ in ROLLUPS:
        model._default_manager.filter(days).delete()
    _sum(days)
    stale = {(span, span_start(span, day)) for day in touched for span in SPANS}
    StaleRollup.objects.bulk_create(
        [StaleRollup(span=span, start=start) for span, start in sorted(stale)],
        ignore_conflicts=True,
    )


def rebuild_rollups() -> None:
    """Every roll-up summed again from every fact (the rebuild: nothing is stale after it)."""
    for model, _ in ROLLUPS:
        model._default_manager.all().delete()
    LineSalesRollup.objects.all().delete()
    _sum(Q())
    for span in SPANS:
        for source, columns in _line_rollups(span, Q()):
            insert_from(LineSalesRollup, source, columns)
    StaleRollup.objects.all().delete()


def roll_up_stale() -> int:
    """Sum the roll-ups of every stale month and week again, one per transaction; returns
    how many. One marked stale again meanwhile (by a refresh that committed after this read
    its facts) stays stale for the next run."""
    done = 0
    for span, start in StaleRollup.objects.order_by("span", "start").values_list("span", "start"):
        with transaction.atomic():
            if not StaleRollup.objects.filter(span=span, start=start).delete()[0]:
                continue  # another run summed it
            LineSalesRollup.objects.filter(span=span, start=start).delete()
            for source, columns in _line_rollups(span, Q(day__range=span_days(span, start))):
                insert_from(LineSalesRollup, source, columns)
        done += 1
    return done
