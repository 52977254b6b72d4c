"""Writing the reporting model (docs/analytics.md).

`refresh_order` is what a domain event of an order does: the order's facts (order, lines,
refunds, returns) are built again from the orders and payments tables, and the roll-ups of
every (day, currency) they touched, before or after, are summed again from the facts.
`rebuild_analytics` does the same for the whole history, in chunks. Both build facts with
`build_facts`, so they agree by construction, and both are idempotent: running either again
changes nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from mercato.analytics.models import (
    DailySales,
    OrderFact,
    OrderLineFact,
    RefundFact,
    ReturnFact,
)
from mercato.core.money import quantize
from mercato.orders.models import Order, OrderLine, Return
from mercato.payments.models import Payment, Transaction

ZERO = Decimal("0.00")
CHUNK = 1000
DayKey = tuple[date, str]  # (shop day, currency)


def local_day(moment: datetime) -> date:
    """The shop's day (settings.SHOP_TIME_ZONE) of an aware moment."""
    return moment.astimezone(ZoneInfo(settings.SHOP_TIME_ZONE)).date()


@dataclass
class Facts:
    orders: list[OrderFact] = field(default_factory=list)
    lines: list[OrderLineFact] = field(default_factory=list)
    refunds: list[RefundFact] = field(default_factory=list)
    returns: list[ReturnFact] = field(default_factory=list)

    def days(self) -> set[DayKey]:
        """The (day, currency) roll-ups these facts count in."""
        keys = {(o.day, o.currency) for o in self.orders}
        return keys | {(r.day, r.currency) for r in self.refunds}


def placed_orders() -> QuerySet[Order]:
    """The orders the reporting model knows: every placed one (not a draft)."""
    return Order.objects.filter(placed_at__isnull=False).exclude(status=Order.Status.DRAFT)


def _payment_provider() -> Subquery:
    """The provider of an order's latest payment that did not fail."""
    payments = Payment.objects.filter(order_id=OuterRef("pk")).exclude(status=Payment.Status.FAILED)
    return Subquery(payments.order_by("-pk").values("provider")[:1])


def _order_facts(order_ids: list[int]) -> dict[int, OrderFact]:
    counted_statuses = frozenset(settings.ANALYTICS_COUNTED_STATUSES)
    found = {}
    rows = (
        placed_orders()
        .filter(pk__in=order_ids)
        .annotate(provider=_payment_provider())
        .order_by("pk")
        .values(
            "pk",
            "currency",
            "placed_at",
            "status",
            "shipping_address",
            "shipping_method_name",
            "user_id",
            "provider",
            "subtotal",
            "voucher_discount",
            "discount_total",
            "shipping_price",
            "tax_total",
            "total_gross",
            "shipping_net",
            "shipping_tax",
            "shipping_tax_rate",
            "vat_number",
            "reverse_charge",
        )
    )
    for row in rows:
        placed_at = row["placed_at"]
        assert placed_at is not None  # placed_orders() has them all
        found[row["pk"]] = OrderFact(
            order_id=row["pk"],
            currency=row["currency"],
            placed_at=placed_at,
            day=local_day(placed_at),
            status=row["status"],
            counted=row["status"] in counted_statuses,
            country=str((row["shipping_address"] or {}).get("country", ""))[:2],
            shipping_method=row["shipping_method_name"],
            customer_id=row["user_id"],
            payment_provider=row["provider"] or "",
            # the stated lines after promotions, plus what promotions took off them
            gross=row["subtotal"] + row["discount_total"] - row["voucher_discount"],
            discounts=row["discount_total"],
            shipping=row["shipping_price"],
            tax=row["tax_total"],
            total=row["total_gross"],
            units=0,
            shipping_net=row["shipping_net"],
            shipping_tax=row["shipping_tax"],
            shipping_tax_rate=row["shipping_tax_rate"],
            vat_number=row["vat_number"],
            reverse_charge=row["reverse_charge"],
        )
    return found


def _line_facts(orders: dict[int, OrderFact]) -> list[OrderLineFact]:
    """The lines' facts; each order's `units` add up as they are read."""
    found = []
    lines = (
        OrderLine.objects.filter(order_id__in=list(orders))
        .order_by("pk")
        .values(
            "pk",
            "order_id",
            "variant_id",
            "variant__product_id",
            "quantity",
            "unit_price",
            "promotion_discount",
            "voucher_discount",
            "total_net",
            "total_tax",
            "tax_rate",
            "quantity_returned",
        )
    )
    for line in lines:
        order = orders[line["order_id"]]
        order.units += line["quantity"]
        found.append(
            OrderLineFact(
                line_id=line["pk"],
                order=order,
                day=order.day,
                currency=order.currency,
                counted=order.counted,
                variant_id=line["variant_id"],
                product_id=line["variant__product_id"],
                quantity=line["quantity"],
                gross=line["unit_price"] * line["quantity"],
                discount=line["promotion_discount"] + line["voucher_discount"],
                net=line["total_net"],
                tax=line["total_tax"],
                tax_rate=line["tax_rate"],
                returned=line["quantity_returned"],
            )
        )
    return found


def _refund_facts(orders: dict[int, OrderFact]) -> list[RefundFact]:
    """Every successful refund transaction of the orders' payments."""
    refunds = (
        Transaction.objects.filter(
            payment__order_id__in=list(orders), kind=Transaction.Kind.REFUND, success=True
        )
        .order_by("pk")
        .values("pk", "payment__order_id", "payment__currency", "amount", "created_at")
    )
    return [
        RefundFact(
            transaction_id=refund["pk"],
            order=orders[refund["payment__order_id"]],
            refunded_at=refund["created_at"],
            day=local_day(refund["created_at"]),
            currency=refund["payment__currency"],
            counted=orders[refund["payment__order_id"]].counted,
            amount=refund["amount"],
        )
        for refund in refunds
    ]


def _return_facts(orders: dict[int, OrderFact]) -> list[ReturnFact]:
    returns = (
        Return.objects.filter(order_id__in=list(orders))
        .annotate(units=Sum("lines__quantity"))
        .order_by("pk")
        .values("pk", "order_id", "status", "created_at", "refunded_at", "units", "refund_amount")
    )
    return [
        ReturnFact(
            order_return_id=item["pk"],
            order=orders[item["order_id"]],
            status=item["status"],
            currency=orders[item["order_id"]].currency,
            day=local_day(item["created_at"]),
            refunded_day=local_day(item["refunded_at"]) if item["refunded_at"] else None,
            units=item["units"] or 0,
            refund_amount=item["refund_amount"],
        )
        for item in returns
    ]


def build_facts(order_ids: list[int]) -> Facts:
    """The facts of these orders (drafts and unknown ids give none), in four queries."""
    orders = _order_facts(order_ids)
    if not orders:
        return Facts()
    lines = _line_facts(orders)
    return Facts(
        orders=list(orders.values()),
        lines=lines,
        refunds=_refund_facts(orders),
        returns=_return_facts(orders),
    )


def _stored_days(order_ids: list[int]) -> set[DayKey]:
    """The (day, currency) roll-ups the stored facts of these orders count in."""
    orders = OrderFact.objects.filter(order_id__in=order_ids).values_list("day", "currency")
    refunds = RefundFact.objects.filter(order_id__in=order_ids).values_list("day", "currency")
    return set(orders) | set(refunds)


def write_facts(order_ids: list[int]) -> set[DayKey]:
    """Replace the stored facts of these orders with facts built now. Returns the
    (day, currency) roll-ups the old or the new facts count in."""
    facts = build_facts(order_ids)
    touched = _stored_days(order_ids) | facts.days()
    OrderFact.objects.filter(order_id__in=order_ids).delete()  # lines, refunds, returns too
    OrderFact.objects.bulk_create(facts.orders)
    OrderLineFact.objects.bulk_create(facts.lines)
    RefundFact.objects.bulk_create(facts.refunds)
    ReturnFact.objects.bulk_create(facts.returns)
    return touched


def _day_filter(keys: Iterable[DayKey]) -> Q:
    days = sorted({day for day, _ in keys})
    return Q(day__in=days)


def summed_days(scope: Q) -> list[DailySales]:
    """The roll-ups of the days in `scope` (a filter on `day`), summed from the facts."""
    rows: dict[DayKey, DailySales] = {}

    def row(day: date, currency: str) -> DailySales:
        if (day, currency) not in rows:
            rows[day, currency] = DailySales(day=day, currency=currency)
        return rows[day, currency]

    orders = (
        OrderFact.objects.filter(scope, counted=True)
        .values("day", "currency")
        .annotate(
            n=Count("pk"),
            units=Sum("units"),
            gross=Sum("gross"),
            discounts=Sum("discounts"),
            shipping=Sum("shipping"),
            tax=Sum("tax"),
            total=Sum("total"),
        )
        .order_by()
    )
    for o in orders:
        r = row(o["day"], o["currency"])
        r.orders, r.units, r.gross, r.discounts = o["n"], o["units"], o["gross"], o["discounts"]
        r.shipping, r.tax, r.total = o["shipping"], o["tax"], o["total"]
    refunds = (
        RefundFact.objects.filter(scope, counted=True)
        .values("day", "currency")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for f in refunds:
        row(f["day"], f["currency"]).refunds = f["amount"]
    for r in rows.values():
        # SQLite sums decimals as floats: back to cents before anything is derived
        for name in ("gross", "discounts", "refunds", "shipping", "tax", "total"):
            setattr(r, name, quantize(Decimal(str(getattr(r, name)))))
        r.net = r.gross - r.discounts - r.refunds
        r.total = r.total - r.refunds
    return sorted(rows.values(), key=lambda r: (r.day, r.currency))


ROLLUP_LOCK = 0x616E  # the first key of the roll-ups' advisory locks ("an")
ALL_DAYS = 0  # the second key that stands for every day (no date has ordinal 0)


def lock_days(days: Iterable[date] | None) -> None:
    """Make the other refreshes of these days (None: of every day, for a rebuild) wait until
    this transaction ends, so that each sums the facts the one before it committed. On
    PostgreSQL, transaction-level advisory locks: a refresh holds every-day shared and its
    days exclusively, in day order (no deadlock); a rebuild holds every-day exclusively.
    SQLite runs one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if days is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK, ALL_DAYS])
            return
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [ROLLUP_LOCK, ALL_DAYS])
        for day in sorted(set(days)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK, day.toordinal()])


def refresh_days(keys: set[DayKey]) -> int:
    """Sum the roll-ups of these days again from the facts (every currency of each day)."""
    if not keys:
        return 0
    lock_days(day for day, _ in keys)
    scope = _day_filter(keys)
    DailySales.objects.filter(scope).delete()
    return len(DailySales.objects.bulk_create(summed_days(scope)))


def lock_orders(order_ids: list[int]) -> None:
    """The orders' row locks, in primary-key order: their facts are written by one
    transaction at a time (a refresh and the rebuild, or two refreshes of one order)."""
    list(
        Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk").values_list("pk")
    )


def refresh_order(*, order_id: int) -> None:
    """Bring the reporting model up to date with one order: what an order, payment or
    return event does. Idempotent."""
    with transaction.atomic():
        lock_orders([order_id])
        refresh_days(write_facts([order_id]))


def rebuild_analytics(*, step: Callable[[int], None] = lambda count: None) -> int:
    """Build every fact again from the orders and payments tables, chunk by chunk (each in
    its own transaction; `step(count)` after each), then every roll-up from the facts, in
    one transaction. Returns how many orders it read."""
    ids = list(placed_orders().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            lock_orders(chunk)
            write_facts(chunk)
        step(len(chunk))
    with transaction.atomic():
        OrderFact.objects.exclude(order_id__in=placed_orders().values("pk")).delete()
        lock_days(None)
        DailySales.objects.all().delete()
        DailySales.objects.bulk_create(summed_days(Q()), batch_size=CHUNK)
    return len(ids)
