"""Summing the breakdown roll-ups from the facts, in the database (docs/analytics.md).

Each roll-up names, for the facts of some shop days, the grouped rows to insert: one
`INSERT ... SELECT` each. `refresh_rollups` sums the daily roll-ups of some days again (an
order's refresh, for the days its facts touched; the rebuild, for every day) and marks their
months stale; `roll_up_stale_months` (a chore) sums the monthly ones of the stale months."""

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.db import models, transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth

from mercato.analytics.copying import insert_from
from mercato.analytics.models import (
    DailyOrderGroup,
    DailyTax,
    MonthlyLineSales,
    OrderFact,
    OrderLineFact,
    RefundFact,
    RefundTaxPart,
    StaleMonth,
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


def _monthly_lines(days: Q) -> list[Rows]:
    lines = OrderLineFact.objects.filter(days, counted=True)
    rows: list[Rows] = []
    for by, keys in (("product", ("product_id",)), ("variant", ("product_id", "variant_id"))):
        grouped = lines.values("currency", *keys, month=TruncMonth("day"))
        columns = {
            "month": F("month"),
            "currency": F("currency"),
            "by": Value(by),
            **{key: F(key) for key in keys},
            "units": Sum("quantity"),
            "gross": Sum("gross"),
            "discounts": Sum("discount"),
            "returned": Sum("returned"),
            "orders": Count("order_id", distinct=True),
        }
        rows.append((grouped, columns))
    return rows


MONTHLY: list[tuple[type[models.Model], Callable[[Q], list[Rows]]]] = [
    (MonthlyLineSales, _monthly_lines),
]


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_days(month: date) -> tuple[date, date]:
    """The first and the last day of a month."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return month, date.fromordinal(following.toordinal() - 1)


def _sum(rollups: list[tuple[type[models.Model], Callable[[Q], list[Rows]]]], days: Q) -> None:
    for model, rows in rollups:
        for source, columns in rows(days):
            insert_from(model, source, columns)


def refresh_rollups(days: Q, months: Iterable[date]) -> None:
    """Sum the daily roll-ups of the days in `days` (a filter on `day`) again, and mark
    `months` (those days' months) stale."""
    for model, _ in ROLLUPS:
        model._default_manager.filter(days).delete()
    _sum(ROLLUPS, days)
    StaleMonth.objects.bulk_create(
        [StaleMonth(month=month) for month in sorted(set(months))], ignore_conflicts=True
    )


def rebuild_rollups() -> None:
    """Every roll-up summed again from every fact (the rebuild: nothing is stale after it)."""
    for model, _ in [*ROLLUPS, *MONTHLY]:
        model._default_manager.all().delete()
    _sum(ROLLUPS, Q())
    _sum(MONTHLY, Q())
    StaleMonth.objects.all().delete()


def roll_up_stale_months() -> int:
    """Sum the monthly roll-ups of every stale month again, a month per transaction; returns
    how many. A month marked stale again meanwhile (by a refresh that committed after this
    read its facts) stays stale for the next run."""
    done = 0
    for month in StaleMonth.objects.order_by("month").values_list("month", flat=True):
        first, last = month_days(month)
        with transaction.atomic():
            if not StaleMonth.objects.filter(month=month).delete()[0]:
                continue  # another run summed it
            for model, _ in MONTHLY:
                model._default_manager.filter(month=month).delete()
            _sum(MONTHLY, Q(day__range=(first, last)))
        done += 1
    return done
