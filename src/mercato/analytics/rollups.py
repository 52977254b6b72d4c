"""Summing the breakdown roll-ups from the facts, in the database (docs/analytics.md).

Each roll-up names, for the facts of some shop days, the grouped rows to insert: one
`INSERT ... SELECT` each. `refresh_rollups` sums the daily roll-ups of some days again (an
order's refresh, for the days its facts touched; the rebuild, for every day) and marks their
months and weeks stale; `roll_up_stale` (a chore) sums the line roll-ups of the stale ones."""

import hashlib
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import CharField, Count, F, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, Substr, TruncMonth, TruncWeek

from mercato.analytics.copying import insert_from
from mercato.analytics.locks import lock_days, lock_history
from mercato.analytics.models import (
    CatalogGrouping,
    DailyCatalogGroup,
    DailyDiscount,
    DailyOrderGroup,
    DailyPayments,
    DailyTax,
    LineSalesRollup,
    OrderFact,
    OrderLineFact,
    PaymentFact,
    RefundFact,
    RefundTaxPart,
    StaleRollup,
)
from mercato.catalog.models import Category, CollectionProduct, Product
from mercato.payments.models import Payment

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


PATH = "catalog_product__category__path"  # a line's product's category, as the catalog has it


def catalog_groups(days: Q) -> list[Rows]:
    """The counted lines of the days by the catalog's grouping now: each ancestor's subtree
    (one grouping per level of the tree), the category filed in, each collection, all."""
    lines = OrderLineFact.objects.filter(days, counted=True)
    common = {"day": F("day"), "currency": F("currency")}
    sums = {
        "units": Sum("quantity"),
        "gross": Sum("gross"),
        "discounts": Sum("discount"),
        "orders": Count("order_id", distinct=True),
    }
    deepest = Category.objects.aggregate(deepest=Max("depth"))["deepest"] or 0
    rows: list[Rows] = []
    for level in range(1, deepest + 1):
        subtree = Substr(PATH, 1, level * Category.steplen)
        below = lines.filter(catalog_product__category__depth__gte=level)
        grouped = below.values("day", "currency", subtree=subtree)
        rows.append((grouped, common | {"by": Value("category"), "key": F("subtree")} | sums))
    filed = lines.values("day", "currency", filed=Coalesce(PATH, Value("")))
    rows.append((filed, common | {"by": Value("filed"), "key": F("filed")} | sums))
    collection = Coalesce(Cast("catalog_product__collections", CharField()), Value(""))
    collected = lines.values("day", "currency", collection=collection)
    rows.append((collected, common | {"by": Value("collection"), "key": F("collection")} | sums))
    everything = lines.values("day", "currency")
    rows.append((everything, common | {"by": Value("all"), "key": Value("")} | sums))
    return rows


def _discounts(days: Q) -> list[Rows]:
    """The counted orders with a voucher code on their day, the refunds of those on the
    refund's day, and the counted lines a promotion priced on their day."""
    common = {"day": F("day"), "currency": F("currency")}
    none = {"name": Value(""), "lines": ZERO, "units": ZERO}
    orders = OrderFact.objects.filter(days, counted=True).exclude(voucher_code="")
    refunds = RefundFact.objects.filter(days, counted=True).exclude(order__voucher_code="")
    lines = OrderLineFact.objects.filter(days, counted=True, promotion_id__isnull=False)
    voucher = common | {"by": Value("voucher")}
    return [
        (
            orders.values("day", "currency", "voucher_code"),
            voucher
            | none
            | {
                "key": F("voucher_code"),
                "orders": Count("pk"),
                "discount": Sum("voucher_discount"),
                "gross": Sum("gross"),
                "discounts": Sum("discounts"),
                "refunds": ZERO,
            },
        ),
        (
            refunds.values("day", "currency", "order__voucher_code"),
            voucher
            | none
            | {
                "key": F("order__voucher_code"),
                "orders": ZERO,
                "discount": ZERO,
                "gross": ZERO,
                "discounts": ZERO,
                "refunds": Sum("amount"),
            },
        ),
        (
            lines.values("day", "currency", "promotion_id"),
            common
            | {
                "by": Value("promotion"),
                "key": Cast("promotion_id", CharField()),
                "name": Max("promotion_name"),
                "orders": ZERO,
                "lines": Count("pk"),
                "units": Sum("quantity"),
                "discount": Sum("promotion_discount"),
                "gross": Sum("gross"),
                "discounts": Sum("discount"),
                "refunds": ZERO,
            },
        ),
    ]


S = Payment.Status
# what came of a payment attempt (its status now), and its money: DailyPayments' columns
OUTCOMES = {
    "authorized": Q(status__in=Payment.AUTHORIZED_STATES),
    "declined": Q(status=S.FAILED),
    "voided": Q(status=S.VOIDED),
    "open": Q(status__in=Payment.OPEN_STATES),
    "captured_count": Q(captured__gt=0),
}
AMOUNTS = {"authorized_amount": "authorized", "captured": "captured", "refunded": "refunded"}


def _payments(days: Q) -> list[Rows]:
    """The payment attempts of the days by provider, with what came of them."""
    attempts = PaymentFact.objects.filter(days).values("day", "currency", "provider")
    columns: dict[str, Any] = {
        "day": F("day"),
        "currency": F("currency"),
        "provider": F("provider"),
        "attempted": Count("pk"),
    }
    columns |= {name: Count("pk", filter=outcome) for name, outcome in OUTCOMES.items()}
    columns |= {name: Sum(column) for name, column in AMOUNTS.items()}
    return [(attempts, columns)]


ROLLUPS: list[tuple[type[models.Model], Callable[[Q], list[Rows]]]] = [
    (DailyOrderGroup, _order_groups),
    (DailyTax, _taxes),
    (DailyCatalogGroup, catalog_groups),
    (DailyDiscount, _discounts),
    (DailyPayments, _payments),
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
    grouping = catalog_fingerprint()
    for model, _ in ROLLUPS:
        model._default_manager.all().delete()
    LineSalesRollup.objects.all().delete()
    _sum(Q())
    for span in SPANS:
        for source, columns in _line_rollups(span, Q()):
            insert_from(LineSalesRollup, source, columns)
    StaleRollup.objects.all().delete()
    _grouped_by(grouping)


def catalog_fingerprint() -> str:
    """How the catalog groups the products now: a digest of every product's category path
    and of every collection's products."""
    digest = hashlib.sha256()
    filed = Product.objects.order_by("pk").values_list("pk", "category__path")
    for pk, path in filed.iterator(chunk_size=10_000):
        digest.update(f"{pk}:{path or ''};".encode())
    entries = CollectionProduct.objects.order_by("collection_id", "product_id")
    for collection, product in entries.values_list("collection_id", "product_id").iterator(
        chunk_size=10_000
    ):
        digest.update(f"{collection}<{product};".encode())
    return digest.hexdigest()


def _grouped_by(fingerprint: str) -> None:
    CatalogGrouping.objects.all().delete()
    CatalogGrouping.objects.create(fingerprint=fingerprint)


def regroup_catalog() -> int:
    """When the catalog groups the products otherwise than when the catalog roll-ups were
    last summed (a product moved, a category moved or removed, a collection changed), sum
    them again for every day, a month per transaction; returns how many months. A change
    made meanwhile is caught by the next run."""
    grouping = catalog_fingerprint()
    if CatalogGrouping.objects.filter(fingerprint=grouping).exists():
        return 0
    found = OrderLineFact.objects.aggregate(first=Min("day"), last=Max("day"))
    months = 0
    start = span_start("month", found["first"]) if found["first"] else None
    while start is not None and start <= found["last"]:
        first, last = span_days("month", start)
        with transaction.atomic():
            lock_history(shared=True)  # wait for a rebuild, and for refreshes of these days
            lock_days(first + timedelta(days=n) for n in range((last - first).days + 1))
            days = Q(day__range=(first, last))
            DailyCatalogGroup.objects.filter(days).delete()
            for source, columns in catalog_groups(days):
                insert_from(DailyCatalogGroup, source, columns)
        months += 1
        start = last + timedelta(days=1)
    _grouped_by(grouping)
    return months


def roll_up_stale() -> int:
    """Sum the roll-ups of every stale month and week again, one per transaction; returns
    how many. One marked stale again meanwhile (by a refresh that committed after this read
    its facts) stays stale for the next run."""
    done = 0
    for span, start in StaleRollup.objects.order_by("span", "start").values_list("span", "start"):
        first, last = span_days(span, start)
        with transaction.atomic():
            # a refresh marks its days stale holding their locks, until it commits: wait for
            # those, so that the sum below reads their facts (and for a rebuild)
            lock_history(shared=True)
            lock_days(first + timedelta(days=n) for n in range((last - first).days + 1))
            if not StaleRollup.objects.filter(span=span, start=start).delete()[0]:
                continue  # another run summed it
            LineSalesRollup.objects.filter(span=span, start=start).delete()
            for source, columns in _line_rollups(span, Q(day__range=(first, last))):
                insert_from(LineSalesRollup, source, columns)
        done += 1
    return done
