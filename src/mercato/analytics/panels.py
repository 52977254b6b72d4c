"""The dashboard's read functions beyond the roll-ups: what needs doing (orders to fulfil,
returns to handle, low stock), each with the admin list that shows the same rows, and the top
products of a range of shop days (from the line facts)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse

from mercato.analytics.models import OrderFact
from mercato.analytics.reports.products import get_products
from mercato.analytics.selectors import get_period
from mercato.inventory.selectors import list_stocks
from mercato.orders.models import Order, Return


@dataclass(frozen=True)
class Pending:
    """A count of things waiting for staff, and the admin list filtered to them."""

    label: str
    count: int
    url: str


def _changelist(model: str, **filters: str) -> str:
    return f"{reverse(f'admin:{model}_changelist')}?{urlencode(filters)}"


ORDER_STEPS = (
    ("Unfulfilled orders", Order.Status.UNFULFILLED),
    ("Partially fulfilled orders", Order.Status.PARTIALLY_FULFILLED),
)
OPEN_RETURNS = (Return.Status.REQUESTED, Return.Status.APPROVED, Return.Status.RECEIVED)


def orders_to_fulfil() -> list[Pending]:
    """Placed orders with units still to ship, per status (one query)."""
    counts = Order.objects.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for _, status in ORDER_STEPS}
    )
    return [
        Pending(label, counts[status], _changelist("orders_order", status__exact=status))
        for label, status in ORDER_STEPS
    ]


def returns_to_handle() -> Pending:
    """Orders with a return waiting to be approved, received or refunded (one query)."""
    open_returns = Return.objects.filter(status__in=OPEN_RETURNS)
    count = Order.objects.filter(pk__in=open_returns.values("order")).count()
    return Pending(
        "Orders with returns to handle", count, _changelist("orders_order", returns="open")
    )


def low_stock() -> list[Pending]:
    """Stock rows at or below their low-stock threshold, and those with nothing free (two
    queries), as the stock list's `level` filter counts them."""
    threshold = settings.LOW_STOCK_THRESHOLD
    return [
        Pending(label, list_stocks(state=state, default_threshold=threshold).count(), url)
        for label, state, url in (
            ("Low stock", "low", _changelist("inventory_stock", level="low")),
            ("Out of stock", "out", _changelist("inventory_stock", level="out")),
        )
    ]


EMPTY = {
    "no_orders": "No orders yet: the figures start with the first order placed.",
    "not_built": "The shop has orders, but none is in the reports yet: they predate analytics. "
    "Run `mercato rebuild-analytics` once to build the reports from the order history.",
    "range": "Nothing in this range: no order was placed and no refund made in it. "
    "Choose another range.",
}


def why_empty() -> str:
    """Why a report has no figures, as a sentence that says what to do (one or two queries):
    the shop has no placed order, or its orders are not in the facts yet, or the range is
    simply one without sales."""
    if OrderFact.objects.exists():
        return EMPTY["range"]
    placed = Order.objects.exclude(status=Order.Status.DRAFT).exists()
    return EMPTY["not_built" if placed else "no_orders"]


@dataclass(frozen=True)
class TopProduct:
    product_id: int
    name: str
    currency: str
    units: int
    net: Decimal


def top_products(*, start: date, end: date, currency: str, limit: int = 5) -> list[TopProduct]:
    """The first `limit` products of the products report over the shop days `start` … `end`
    in `currency`: by net sales as docs/analytics.md defines them (line prices less their
    discounts), so the dashboard and the report agree."""
    period = get_period(start=start, end=end, compare="none")
    found = get_products(period=period, by="product", limit=limit, currency=currency, traffic=False)
    items = found[0].items if found else []
    return [
        TopProduct(
            product_id=item.id,
            name=item.name or f"Product {item.id} (deleted)",
            currency=currency,
            units=item.current.units,
            net=item.current.net,
        )
        for item in items
        if item.id is not None
    ]
