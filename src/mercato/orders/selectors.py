"""Reads of orders for the store and admin APIs and the back office: lists with their filters
and sorts, the detail with everything it shows (in a fixed number of queries), and the
timeline as a shopper may see it."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import (
    BigIntegerField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Round

from mercato.accounts.models import User
from mercato.catalog.models import ProductVariant
from mercato.core.errors import InvalidInput, NotFound
from mercato.orders.errors import FulfilmentNotFound, OrderNotFound, ReturnNotFound
from mercato.orders.models import (
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderEvent,
    OrderLine,
    Return,
    ReturnLine,
)

E = OrderEvent.Type

CUSTOMER_EVENT_TYPES = frozenset(
    {
        E.PLACED,
        E.DRAFT_FINALISED,
        E.STATUS_CHANGED,
        E.PAYMENT_STATUS_CHANGED,
        E.PAYMENT_ACTION_REQUIRED,
        E.PAYMENT_CAPTURED,
        E.PAYMENT_REFUNDED,
        E.MARKED_PAID,
        E.FULFILLED,
        E.FULFILMENT_SHIPPED,
        E.FULFILMENT_DELIVERED,
        E.CANCELLED,
        E.RETURN_REQUESTED,
        E.RETURN_APPROVED,
        E.RETURN_REJECTED,
        E.RETURN_RECEIVED,
        E.RETURN_REFUNDED,
        E.EMAIL_SENT,
    }
)
"""What a shopper sees of the timeline. Staff notes, line edits, draft history and failed
payment attempts stay with staff; the `note` of an entry is never shown to shoppers."""

CUSTOMER_EVENT_DATA = frozenset(
    {
        "from",
        "to",
        "status",
        "amount",
        "currency",
        "fulfilment_number",
        "carrier",
        "tracking_number",
        "tracking_url",
        "return_number",
        "template",
    }
)
"""The keys of an entry's data a shopper may see (the rest may name staff or internals)."""

ORDER_SORTS = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "-number": ("-number",),
    "number": ("number",),
    "-total": ("-total_cents", "-id"),
    "total": ("total_cents", "id"),
}
"""The sorts of the admin list: name → cursor ordering (the last field is unique)."""


def _item_count() -> Subquery:
    return Subquery(
        OrderLine.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(units=Sum("quantity"))
        .values("units"),
        output_field=IntegerField(),
    )


def _list_queryset() -> QuerySet[Order]:
    """One query per page: the customer and the unit count come along."""
    return (
        Order.objects.select_related("user")
        .annotate(item_count=Coalesce(_item_count(), Value(0)))
        # whole cents, so the total can be a cursor value (a Decimal is not JSON)
        .annotate(total_cents=Cast(Round(F("total_gross") * 100), BigIntegerField()))
    )


def list_customer_orders(*, user: User) -> QuerySet[Order]:
    """A customer's placed orders (never drafts), with a summary of their lines."""
    return (
        _list_queryset()
        .filter(user=user)
        .exclude(status=Order.Status.DRAFT)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
    )


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    payment_status: str = ""
    email: str = ""
    customer_id: UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    number: int | None = None
    search: str = ""
    origin: str = ""


FILTER_LOOKUPS = (
    ("payment_status", "payment_status"),
    ("origin", "origin"),
    ("email", "email__iexact"),
    ("customer_id", "user__public_id"),
    ("created_from", "created_at__gte"),
    ("created_to", "created_at__lt"),
)
"""The filters of `OrderFilters` that narrow the list when given, and their lookups."""


def list_orders(filters: OrderFilters | None = None) -> QuerySet[Order]:
    """Orders for staff. Drafts only when asked for (`status=draft`). `search` looks in the
    number, the email, the customer's name (account and shipping address) and the SKUs."""
    f = filters or OrderFilters()
    orders = _list_queryset()
    if f.status:
        orders = orders.filter(status=f.status)
    else:
        orders = orders.exclude(status=Order.Status.DRAFT)
    for name, lookup in FILTER_LOOKUPS:
        value = getattr(f, name)
        if value:
            orders = orders.filter(**{lookup: value})
    if f.number is not None:
        orders = orders.filter(number=f.number)
    if f.search:
        orders = orders.filter(_search(f.search))
    return orders


def _search(text: str) -> Q:
    text = text.strip()
    condition = (
        Q(email__icontains=text)
        | Q(user__email__icontains=text)
        | Q(user__first_name__icontains=text)
        | Q(user__last_name__icontains=text)
        | Q(shipping_address__first_name__icontains=text)
        | Q(shipping_address__last_name__icontains=text)
        | Q(billing_address__last_name__icontains=text)
        | Q(Exists(OrderLine.objects.filter(order=OuterRef("pk"), sku__iexact=text)))
    )
    number = text.removeprefix("#")
    if number.isascii() and number.isdigit() and len(number) < 10:
        condition |= Q(number=int(number))
    first, _, last = text.partition(" ")
    if first and last:
        condition |= Q(user__first_name__iexact=first, user__last_name__icontains=last) | Q(
            shipping_address__first_name__iexact=first,
            shipping_address__last_name__icontains=last.strip(),
        )
    return condition


def _detail_queryset(*, staff: bool) -> QuerySet[Order]:
    """An order with everything the detail shows: lines, parcels, returns, timeline."""
    events = OrderEvent.objects.order_by("created_at", "id")
    if not staff:
        events = events.filter(type__in=CUSTOMER_EVENT_TYPES)
    fulfilments = Fulfilment.objects.select_related("warehouse").order_by("number")
    if not staff:
        fulfilments = fulfilments.exclude(status=Fulfilment.Status.CANCELLED)
    return Order.objects.select_related("user").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("variant").order_by("id")),
        Prefetch("fulfilments", queryset=fulfilments),
        Prefetch(
            "fulfilments__lines",
            queryset=FulfilmentLine.objects.select_related("order_line").order_by("id"),
        ),
        Prefetch("returns", queryset=Return.objects.order_by("number")),
        Prefetch(
            "returns__lines",
            queryset=ReturnLine.objects.select_related("order_line").order_by("id"),
        ),
        Prefetch("events", queryset=events),
    )


def shopper_order_queryset() -> QuerySet[Order]:
    """For `access.shopper_order`: what the store's order detail needs."""
    return _detail_queryset(staff=False)


def get_order(*, order_id: UUID | str, detail: bool = True) -> Order:
    """Any order (drafts too) by its public id, for staff; 404 `order_not_found`."""
    public_id = parse_public_id(order_id)
    orders = _detail_queryset(staff=True) if detail else Order.objects.all()
    order = orders.filter(public_id=public_id).first() if public_id else None
    if order is None:
        raise OrderNotFound()
    return order


def get_order_line(*, order: Order, line_id: UUID | str) -> OrderLine:
    public_id = parse_public_id(line_id)
    line = (
        OrderLine.objects.select_related("variant").filter(order=order, public_id=public_id).first()
        if public_id
        else None
    )
    if line is None:
        raise NotFound("No such line in this order.", code="order_line_not_found")
    return line


def list_order_events(*, order: Order, customer: bool = False) -> QuerySet[OrderEvent]:
    """The order's timeline, oldest first (for a shopper: the entries meant for them)."""
    events = OrderEvent.objects.filter(order=order)
    if customer:
        events = events.filter(type__in=CUSTOMER_EVENT_TYPES)
    return events


def customer_event_data(event: OrderEvent) -> dict[str, Any]:
    """The part of an entry's data a shopper may see."""
    return {k: v for k, v in (event.data or {}).items() if k in CUSTOMER_EVENT_DATA}


def list_order_payments(order: Order) -> list[Any] | None:
    """The order's payments, newest first, when the payments app keeps them (it points at
    orders; orders never import it), else None."""
    related = getattr(order, "payments", None)
    if related is None or not hasattr(related, "all"):
        return None
    return list(related.order_by("-created_at", "-id"))


def get_variant(*, variant_id: UUID) -> ProductVariant | None:
    """A variant (with its product) to put on an order, or None."""
    return ProductVariant.objects.select_related("product").filter(public_id=variant_id).first()


def get_customer_account(*, customer_id: UUID) -> User:
    """An active customer's (not staff's) account for an order; 422 `customer_not_found`."""
    user = User.objects.filter(public_id=customer_id, is_staff=False).first()
    if user is None or not user.is_active:
        raise InvalidInput(
            "No such customer account.", code="customer_not_found", field="customer_id"
        )
    return user


def parse_public_id(value: UUID | str) -> UUID | None:
    """A public id from a path segment, or None when it is not a UUID."""
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


def list_order_lines_by_id(
    *, order: Order, line_ids: list[UUID], field: str = "lines"
) -> list[OrderLine]:
    """The lines of `order` with these public ids, in the same order (422 for a line that is
    not the order's: `line_not_in_order`)."""
    found = {line.public_id: line for line in order.lines.filter(public_id__in=line_ids)}
    lines = []
    for i, line_id in enumerate(line_ids):
        if line_id not in found:
            raise InvalidInput(
                "This line is not part of the order.",
                code="line_not_in_order",
                field=f"{field}.{i}.line_id",
            )
        lines.append(found[line_id])
    return lines


# --- fulfilments and returns ----------------------------------------------------------------


def _fulfilments_with_lines(queryset: QuerySet[Fulfilment]) -> QuerySet[Fulfilment]:
    return queryset.select_related("warehouse").prefetch_related(
        Prefetch(
            "lines",
            queryset=FulfilmentLine.objects.select_related("order_line").order_by("pk"),
        )
    )


def get_fulfilment(*, order: Order, fulfilment_id: UUID | str) -> Fulfilment:
    """A parcel of `order` by its public id; 404 `fulfilment_not_found`."""
    public_id = parse_public_id(fulfilment_id)
    found = (
        Fulfilment.objects.filter(order=order, public_id=public_id).first() if public_id else None
    )
    if found is None:
        raise FulfilmentNotFound()
    return found


def get_fulfilment_detail(*, fulfilment: Fulfilment) -> Fulfilment:
    """The parcel read again with its warehouse and lines, as the API shows it."""
    return _fulfilments_with_lines(Fulfilment.objects.filter(pk=fulfilment.pk)).get()


def list_order_fulfilments(*, order: Order, cancelled: bool = True) -> QuerySet[Fulfilment]:
    """The parcels of `order` by number, with their lines (cancelled ones too, unless not)."""
    parcels = order.fulfilments.all()
    if not cancelled:
        parcels = parcels.exclude(status=Fulfilment.Status.CANCELLED)
    return _fulfilments_with_lines(parcels.order_by("number"))


def _returns_with_lines(queryset: QuerySet[Return]) -> QuerySet[Return]:
    return queryset.select_related("order").prefetch_related(
        Prefetch(
            "lines",
            queryset=ReturnLine.objects.select_related("order_line", "warehouse").order_by("pk"),
        )
    )


def get_return(*, return_id: UUID | str) -> Return:
    """Any return by its public id; 404 `return_not_found`."""
    public_id = parse_public_id(return_id)
    found = Return.objects.filter(public_id=public_id).first() if public_id else None
    if found is None:
        raise ReturnNotFound()
    return found


def get_return_detail(*, order_return: Return) -> Return:
    """The return read again with its order and lines, as the API shows it."""
    return _returns_with_lines(Return.objects.filter(pk=order_return.pk)).get()


def list_order_returns(*, order: Order) -> QuerySet[Return]:
    """The returns of `order` by number, with their lines."""
    return _returns_with_lines(order.returns.order_by("number"))


def list_returns(*, status: str | None = None, order_id: UUID | None = None) -> QuerySet[Return]:
    """Every return, with its lines, optionally of one status or of one order (public id)."""
    returns = Return.objects.all()
    if status:
        returns = returns.filter(status=status)
    if order_id:
        returns = returns.filter(order__public_id=order_id)
    return _returns_with_lines(returns)


COUNTED_RETURNS = [
    Return.Status.REQUESTED,
    Return.Status.APPROVED,
    Return.Status.RECEIVED,
    Return.Status.REFUNDED,
]
"""Returns whose units are spoken for (every status but rejected)."""


def returnable_quantities(order: Order) -> dict[int, int]:
    """Per order line (pk): units delivered less units in returns that were not rejected."""
    delivered = dict(
        FulfilmentLine.objects.filter(
            fulfilment__order=order, fulfilment__status=Fulfilment.Status.DELIVERED
        )
        .values("order_line_id")
        .annotate(n=Sum("quantity"))
        .values_list("order_line_id", "n")
    )
    claimed = dict(
        ReturnLine.objects.filter(
            order_return__order=order, order_return__status__in=COUNTED_RETURNS
        )
        .values("order_line_id")
        .annotate(n=Sum("quantity"))
        .values_list("order_line_id", "n")
    )
    return {pk: max(n - claimed.get(pk, 0), 0) for pk, n in delivered.items()}
