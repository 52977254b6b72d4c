"""Writing the reporting model (docs/analytics.md).

`refresh_order` is what a domain event of an order does: the order's facts (order, lines,
refunds, returns, payments) are copied again from the orders and payments tables, and the
roll-ups of every (day, currency) they touched, before or after, are summed again from the
facts.
`rebuild_analytics` does the same for the whole history. Both copy facts with
`insert_facts` (INSERT ... SELECT, in the database), so they agree by construction, and both
are idempotent: running either again changes nothing.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, RowNumber, Substr, TruncDate

from mercato.analytics.copying import insert_from
from mercato.analytics.customer_rollups import customers_of, rebuild_customers, refresh_customers
from mercato.analytics.locks import lock_days, lock_history
from mercato.analytics.models import (
    DailySales,
    OrderFact,
    OrderLineFact,
    PaymentFact,
    RefundFact,
    RefundTaxPart,
    ReturnFact,
)
from mercato.analytics.rollups import rebuild_rollups, refresh_rollups
from mercato.analytics.tax_facts import insert_refund_parts
from mercato.core.money import quantize
from mercato.orders.models import Order, OrderLine, Return, ReturnLine
from mercato.payments.models import Payment, Transaction

ZERO = Decimal("0.00")
CHUNK = 50_000  # orders per statement of the rebuild
DayKey = tuple[date, str]  # (shop day, currency)


def local_day(moment: datetime) -> date:
    """The shop's day (settings.SHOP_TIME_ZONE) of an aware moment."""
    return moment.astimezone(ZoneInfo(settings.SHOP_TIME_ZONE)).date()


def _shop_day(moment: str) -> TruncDate:
    """The shop's day of a moment, in the database."""
    return TruncDate(moment, tzinfo=ZoneInfo(settings.SHOP_TIME_ZONE))


def _counted(status: str) -> ExpressionWrapper:
    """Whether an order's status is one the reports count."""
    statuses = list(settings.ANALYTICS_COUNTED_STATUSES)
    return ExpressionWrapper(Q(**{f"{status}__in": statuses}), output_field=BooleanField())


def _payment_provider() -> Coalesce:
    """The provider of an order's latest payment that did not fail ('' without one)."""
    payments = Payment.objects.filter(order_id=OuterRef("pk")).exclude(status=Payment.Status.FAILED)
    return Coalesce(Subquery(payments.order_by("-pk").values("provider")[:1]), Value(""))


def _summed(rows: QuerySet, field: str) -> Coalesce:
    """The sum of `field` over `rows`, a subquery grouped by the outer row (0 for none)."""
    return Coalesce(Subquery(rows.order_by().annotate(n=Sum(field)).values("n")), 0)


# What each fact's columns are copied from: for every column of the fact (by its database
# name), the expression on the source rows. A fact is one INSERT ... SELECT of these.


Source = tuple[QuerySet, dict[str, Any]]  # the rows a fact is copied from, and its columns
Orders = dict[str, Any]  # lookups on an order's pk: {"in": [...]}, {"gte": 1, "lt": 9}


def _of_placed(orders: Orders, path: str = "") -> Q:
    """The rows whose order (at `path`; the row itself when '') is placed and in `orders`."""
    at = f"{path}__" if path else ""
    found = Q(**{f"{at}placed_at__isnull": False}) & ~Q(**{f"{at}status": Order.Status.DRAFT})
    # on the row's own column where it has one (order_id): the range is read through its index
    key = f"{path}_id" if path else "pk"
    return found & Q(**{f"{key}__{lookup}": value for lookup, value in orders.items()})


def placed_orders() -> QuerySet[Order]:
    """The orders the reporting model knows: every placed one (not a draft)."""
    return Order.objects.filter(_of_placed({}))


def _order_source(orders: Orders) -> Source:
    lines = OrderLine.objects.filter(order_id=OuterRef("pk"))
    return Order.objects.filter(_of_placed(orders)), {
        "order_id": F("pk"),
        "currency": F("currency"),
        "placed_at": F("placed_at"),
        "day": _shop_day("placed_at"),
        "status": F("status"),
        "counted": _counted("status"),
        "country": Coalesce(Substr(KT("shipping_address__country"), 1, 2), Value("")),
        "shipping_method": F("shipping_method_name"),
        "customer_id": F("user_id"),
        "payment_provider": _payment_provider(),
        # the stated lines after promotions, plus what promotions took off them
        "gross": F("subtotal") + F("discount_total") - F("voucher_discount"),
        "discounts": F("discount_total"),
        "shipping": F("shipping_price"),
        "tax": F("tax_total"),
        "total": F("total_gross"),
        "units": _summed(lines.values("order_id"), "quantity"),
        "shipping_net": F("shipping_net"),
        "shipping_tax": F("shipping_tax"),
        "shipping_tax_rate": F("shipping_tax_rate"),
        "vat_number": F("vat_number"),
        "reverse_charge": F("reverse_charge"),
        "voucher_code": F("voucher_code"),
        "voucher_discount": F("voucher_discount"),
    }


def _line_source(orders: Orders) -> Source:
    return OrderLine.objects.filter(_of_placed(orders, "order")), {
        "line_id": F("pk"),
        "order_id": F("order_id"),
        "day": _shop_day("order__placed_at"),
        "currency": F("order__currency"),
        "counted": _counted("order__status"),
        "variant_id": F("variant_id"),
        "product_id": F("variant__product_id"),
        "quantity": F("quantity"),
        "gross": F("unit_price") * F("quantity"),
        "discount": F("promotion_discount") + F("voucher_discount"),
        "net": F("total_net"),
        "tax": F("total_tax"),
        "tax_rate": F("tax_rate"),
        "returned": F("quantity_returned"),
        "product_orders": _first_in_order("variant__product_id"),
        "variant_orders": _first_in_order("variant_id"),
        "promotion_id": F("promotion_id"),
        "promotion_name": F("promotion_name"),
        "promotion_discount": F("promotion_discount"),
    }


def _first_in_order(path: str) -> CombinedExpression:
    """1 for a line that is its order's first (by id) with the same value at `path` (lines
    without a variant count as one), else 0: 1 divided by the line's rank among them, in
    integers. A window over the lines read, which are always all of their orders' lines."""
    rank = Window(RowNumber(), partition_by=[F("order_id"), F(path)], order_by=F("pk").asc())
    return Value(1) / rank


def _refund_source(orders: Orders) -> Source:
    """Every successful refund transaction of the orders' payments."""
    refunds = Transaction.objects.filter(
        _of_placed(orders, "payment__order"), kind=Transaction.Kind.REFUND, success=True
    )
    return refunds, {
        "transaction_id": F("pk"),
        "order_id": F("payment__order_id"),
        "refunded_at": F("created_at"),
        "day": _shop_day("created_at"),
        "currency": F("payment__currency"),
        "counted": _counted("payment__order__status"),
        "amount": F("amount"),
    }


def _return_source(orders: Orders) -> Source:
    lines = ReturnLine.objects.filter(order_return_id=OuterRef("pk"))
    return Return.objects.filter(_of_placed(orders, "order")), {
        "order_return_id": F("pk"),
        "order_id": F("order_id"),
        "status": F("status"),
        "currency": F("order__currency"),
        "day": _shop_day("created_at"),
        "refunded_day": _shop_day("refunded_at"),
        "units": _summed(lines.values("order_return_id"), "quantity"),
        "refund_amount": F("refund_amount"),
    }


def _payment_source(orders: Orders) -> Source:
    """Every payment attempt of the orders, with its successful captures and refunds."""
    done = Transaction.objects.filter(payment_id=OuterRef("pk"), success=True).order_by()
    money = models.DecimalField(max_digits=12, decimal_places=2)

    def moved(kind: str) -> Coalesce:
        rows = done.filter(kind=kind).values("payment_id").annotate(n=Sum("amount"))
        return Coalesce(Subquery(rows.values("n")), Value(ZERO), output_field=money)

    authorized = Q(status__in=list(Payment.AUTHORIZED_STATES))
    return Payment.objects.filter(_of_placed(orders, "order")), {
        "payment_id": F("pk"),
        "order_id": F("order_id"),
        "day": _shop_day("created_at"),
        "currency": F("currency"),
        "provider": F("provider"),
        "status": F("status"),
        "amount": F("amount"),
        "authorized": Case(
            When(authorized, then=F("amount")), default=Value(ZERO), output_field=money
        ),
        "captured": moved(Transaction.Kind.CAPTURE),
        "refunded": moved(Transaction.Kind.REFUND),
    }


FACTS: list[tuple[type[models.Model], Callable[[Orders], Source]]] = [  # parents first
    (OrderFact, _order_source),
    (OrderLineFact, _line_source),
    (RefundFact, _refund_source),
    (ReturnFact, _return_source),
    (PaymentFact, _payment_source),
]


def insert_facts(orders: Orders) -> int:
    """Write the facts of the placed orders in `orders`, one statement per fact (none of
    them may be there yet). Returns how many orders."""
    counts = [insert_from(model, *source(orders)) for model, source in FACTS]
    insert_refund_parts(orders)  # the refunds' split over the rates, in Python
    return counts[0]


def _stored_days(order_ids: list[int]) -> set[DayKey]:
    """The (day, currency) roll-ups the stored facts of these orders count in."""
    orders = OrderFact.objects.filter(order_id__in=order_ids).values_list("day", "currency")
    refunds = RefundFact.objects.filter(order_id__in=order_ids).values_list("day", "currency")
    payments = PaymentFact.objects.filter(order_id__in=order_ids).values_list("day", "currency")
    return set(orders) | set(refunds) | set(payments)


def write_facts(order_ids: list[int]) -> set[DayKey]:
    """Replace the stored facts of these orders with facts built now. Returns the
    (day, currency) roll-ups the old or the new facts count in."""
    before = _stored_days(order_ids)
    customers = customers_of(order_ids)
    RefundTaxPart.objects.filter(order_id__in=order_ids).delete()  # the refunds' children
    for model, _ in reversed(FACTS):
        model.objects.filter(order_id__in=order_ids).delete()
    insert_facts({"in": order_ids})
    refresh_customers(customers | customers_of(order_ids))
    return before | _stored_days(order_ids)


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


def refresh_days(keys: set[DayKey]) -> int:
    """Sum the roll-ups of these days again from the facts (every currency of each day)."""
    if not keys:
        return 0
    lock_days(day for day, _ in keys)
    scope = _day_filter(keys)
    DailySales.objects.filter(scope).delete()
    refresh_rollups(scope, touched=[day for day, _ in keys])
    return len(DailySales.objects.bulk_create(summed_days(scope)))


def refresh_order(*, order_id: int) -> None:
    """Bring the reporting model up to date with one order: what an order, payment or
    return event does. Idempotent."""
    with transaction.atomic():
        lock_history(shared=True)
        # one writer of an order's facts at a time (two events of one order)
        list(Order.objects.select_for_update().filter(pk=order_id).values_list("pk"))
        refresh_days(write_facts([order_id]))


def _delete_all(model: type[models.Model]) -> None:
    """Every row of a fact's table, in one statement (no cascade collected in Python)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def rebuild_analytics(*, step: Callable[[int], None] = lambda count: None) -> int:
    """Build every fact again from the orders and payments tables, then every roll-up from
    the facts, in one transaction (reports read the old figures until it commits; order
    events wait for it). The facts are copied in the database, a range of order ids per
    statement (`step(count)` after each). Returns how many orders it read."""
    with transaction.atomic():
        lock_history(shared=False)
        _delete_all(RefundTaxPart)  # the refunds' children
        for model, _ in reversed(FACTS):
            _delete_all(model)
        last = Order.objects.aggregate(last=Max("pk"))["last"] or 0
        count = 0
        for start in range(0, last + 1, CHUNK):
            written = insert_facts({"gte": start, "lt": start + CHUNK})
            count += written
            step(written)
        rebuild_customers()
        DailySales.objects.all().delete()
        DailySales.objects.bulk_create(summed_days(Q()), batch_size=1000)
        rebuild_rollups()
    return count
