"""Fulfilments: parcels of an order sent from one warehouse, with their tracking.

A fulfilment is created when staff pack some or all of the order's lines: the units leave the
line's allocations in that warehouse (on hand and allocated both go down, through
`inventory.services.fulfil_line`; a variant that does not track inventory needs no stock) and
`OrderLine.quantity_fulfilled` grows. It then moves along its own small machine,
`FULFILMENT_TRANSITIONS`: created → shipped → delivered, or cancelled while it is not delivered
(the units go back on hand and allocated to the line, in the very stock row they left). After
each change the order's status is derived again from its lines (`refresh_fulfilment_status`).

Whether an order must be paid before it ships is a shop setting, `ORDERS_FULFIL_UNPAID`
(default True: allowed, as with Saleor's "fulfillment allow unpaid").

The customer's "shipped" email hangs on the `fulfilment.shipped` event; every event carries
`notify` (False: staff asked not to tell the customer).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from mercato.audit.services import Actor, record_action, record_change, snapshot
from mercato.core.errors import InvalidInput
from mercato.core.events import record_event
from mercato.inventory import services as inventory
from mercato.inventory.models import Allocation, Warehouse
from mercato.orders.errors import (
    FulfilExceedsOrdered,
    FulfilmentNotFound,
    IllegalFulfilmentTransition,
    OrderNotFulfillable,
    OrderNotPaid,
)
from mercato.orders.models import Fulfilment, FulfilmentLine, Order, OrderEvent, OrderLine
from mercato.orders.services.draft_checks import check_count
from mercato.orders.services.status import (
    OrderPart,
    lock_order,
    record_order_event,
    refresh_fulfilment_status,
)

F_ = Fulfilment.Status
MAX_QUANTITY = inventory.MAX_QUANTITY
MAX_LINES = 500
TRACKING_FIELDS = ("carrier", "tracking_number", "tracking_url")
TRACKING_LIMITS = {"carrier": 100, "tracking_number": 100, "tracking_url": 500}

FULFILMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    F_.CREATED: frozenset({F_.SHIPPED, F_.DELIVERED, F_.CANCELLED}),
    F_.SHIPPED: frozenset({F_.DELIVERED, F_.CANCELLED}),
    F_.DELIVERED: frozenset(),
    F_.CANCELLED: frozenset(),
}
"""Allowed moves of `Fulfilment.status`. A parcel may be marked delivered without having been
marked shipped (handed over at the counter). A delivered parcel comes back only as a return."""

PARCELS = OrderPart(
    Fulfilment,
    FULFILMENT_TRANSITIONS,
    what="fulfilment",
    illegal=IllegalFulfilmentTransition,
    missing=FulfilmentNotFound,
)

FULFILLABLE = frozenset(
    {
        Order.Status.UNFULFILLED,
        Order.Status.PARTIALLY_FULFILLED,
        Order.Status.FULFILLED,
        Order.Status.PARTIALLY_RETURNED,
    }
)


# --- inputs and their checks (shared with returns) -----------------------------------------


@dataclass(frozen=True)
class ParcelLine:
    """Units of one order line going into a parcel."""

    line: OrderLine
    quantity: int


def check_quantity(value: int, *, field: str = "quantity") -> int:
    """Between 1 and MAX_QUANTITY units, else 422 `invalid_quantity`."""
    return check_count(
        value,
        most=MAX_QUANTITY,
        message="A quantity is a whole number between 1 and {most}.",
        field=field,
    )


def check_order_lines(order: Order, lines: Iterable[OrderLine]) -> list[OrderLine]:
    """The order lines named, each once and each of `order` (else 422)."""
    seen: set[int] = set()
    found: list[OrderLine] = []
    for i, line in enumerate(lines):
        if line.order_id != order.pk:
            raise InvalidInput(
                "This line is not part of the order.",
                code="line_not_in_order",
                field=f"lines.{i}.line_id",
            )
        if line.pk in seen:
            raise InvalidInput(
                "Each line may appear once.", code="duplicate_line", field=f"lines.{i}.line_id"
            )
        seen.add(line.pk)
        found.append(line)
    if not found:
        raise InvalidInput("Name at least one line.", code="lines_required", field="lines")
    if len(found) > MAX_LINES:
        raise InvalidInput(f"At most {MAX_LINES} lines.", code="too_many_lines", field="lines")
    return found


def clean_note(note: str | None, *, field: str = "note") -> str:
    """A staff or customer note, at most 5,000 characters (else 422 `note_too_long`)."""
    note = (note or "").strip()
    if len(note) > 5000:
        raise InvalidInput("A note is at most 5,000 characters.", code="note_too_long", field=field)
    return note


def _check_tracking(values: dict[str, str]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for name, value in values.items():
        value = value.strip()
        if len(value) > TRACKING_LIMITS[name]:
            raise InvalidInput(
                f"{name} is at most {TRACKING_LIMITS[name]} characters.",
                code="invalid_tracking",
                field=name,
            )
        clean[name] = value
    url = clean.get("tracking_url")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise InvalidInput(
                "The tracking URL must be an http(s) address.",
                code="invalid_tracking_url",
                field="tracking_url",
            )
    return clean


# --- create ---------------------------------------------------------------------------------


def create_fulfilment(
    *,
    order: Order,
    warehouse: Warehouse,
    lines: Sequence[ParcelLine],
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    actor: Actor,
    notify: bool = True,
) -> Fulfilment:
    """Pack `lines` of `order` from `warehouse` into a new parcel, numbered 1, 2 … within the
    order. Refuses a line of another order (422 `line_not_in_order`), more than a line has
    left to fulfil (422 `fulfil_exceeds_ordered`), more than the line holds in that warehouse
    (422 `fulfil_exceeds_allocation`), and an order that is not confirmed, is cancelled, a
    draft or closed (409 `order_not_fulfillable`) or, with ORDERS_FULFIL_UNPAID off, not fully
    paid (409 `order_not_paid`)."""
    wanted = check_order_lines(order, [item.line for item in lines])
    quantities = {
        item.line.pk: check_quantity(item.quantity, field=f"lines.{i}.quantity")
        for i, item in enumerate(lines)
    }
    tracking = _check_tracking(
        {"carrier": carrier, "tracking_number": tracking_number, "tracking_url": tracking_url}
    )
    if warehouse.pk is None:
        raise InvalidInput("Name a warehouse.", code="warehouse_required", field="warehouse")
    with transaction.atomic():
        order = lock_order(order)
        _check_fulfillable(order)
        current = _lines_left_to_fulfil(order, wanted, quantities)
        number = (order.fulfilments.aggregate(n=Max("number"))["n"] or 0) + 1
        fulfilment = Fulfilment.objects.create(
            order=order, number=number, warehouse=warehouse, **tracking
        )
        packed = [(current[w.pk], quantities[w.pk]) for w in wanted]
        _pack(fulfilment, packed, actor=actor)
        _record_created(order, fulfilment, packed, actor=actor, notify=notify)
    return fulfilment


def _check_fulfillable(order: Order) -> None:
    """409 unless the (locked) order may ship now."""
    if order.status not in FULFILLABLE:
        raise OrderNotFulfillable(
            f"A {order.status} order cannot be fulfilled.", order_status=order.status
        )
    if not settings.ORDERS_FULFIL_UNPAID and order.amount_due > 0:
        raise OrderNotPaid("This shop ships paid orders only.", payment_status=order.payment_status)


def _lines_left_to_fulfil(
    order: Order, wanted: list[OrderLine], quantities: dict[int, int]
) -> dict[int, OrderLine]:
    """The wanted lines read again under the order's lock (by pk); 422
    `fulfil_exceeds_ordered` for a line asked for more than it has left."""
    current = {
        line.pk: line
        for line in OrderLine.objects.filter(
            order=order, pk__in=[w.pk for w in wanted]
        ).select_related("variant")
    }
    for i, line in enumerate(wanted):
        fresh = current[line.pk]
        left = fresh.quantity - fresh.quantity_fulfilled
        if quantities[line.pk] > left:
            raise FulfilExceedsOrdered(
                f"Line {fresh.sku} has {left} left to fulfil.",
                field=f"lines.{i}.quantity",
                line_id=str(fresh.public_id),
                left=left,
            )
    return current


def _record_created(
    order: Order,
    fulfilment: Fulfilment,
    packed: list[tuple[OrderLine, int]],
    *,
    actor: Actor,
    notify: bool,
) -> None:
    """The order's timeline and status, the audit log and the `fulfilment.created` event."""
    lines = [
        {"line_id": str(line.public_id), "sku": line.sku, "quantity": quantity}
        for line, quantity in packed
    ]
    record_order_event(
        order,
        OrderEvent.Type.FULFILLED,
        actor=actor,
        **PARCELS.data(fulfilment, warehouse=fulfilment.warehouse.slug, lines=lines, notify=notify),
    )
    refresh_fulfilment_status(order, actor=actor)
    record_change(actor=actor, action="create", obj=fulfilment, after=snapshot(fulfilment))
    record_event(
        "fulfilment.created", order_id=order.pk, fulfilment_id=fulfilment.pk, notify=notify
    )


def _pack(fulfilment: Fulfilment, lines: list[tuple[OrderLine, int]], *, actor: Actor) -> None:
    """Put the units in the parcel: the stock of an allocated line leaves the parcel's
    warehouse (one parcel row per stock row it came from) and each line's fulfilled quantity
    grows."""
    # a line holds stock if it was allocated when placed, whatever its variant's
    # track_inventory says now (staff may have switched it since)
    allocated = set(
        Allocation.objects.filter(
            line_reference__in=[line.reference for line, _ in lines]
        ).values_list("line_reference", flat=True)
    )
    parcel: list[FulfilmentLine] = []
    for line, quantity in lines:
        if line.reference in allocated:
            taken = inventory.fulfil_line(
                line_reference=line.reference,
                quantity=quantity,
                actor=actor,
                warehouse=fulfilment.warehouse,
            )
            parcel += [
                FulfilmentLine(fulfilment=fulfilment, order_line=line, stock=stock, quantity=n)
                for stock, n in taken
            ]
        else:
            parcel.append(FulfilmentLine(fulfilment=fulfilment, order_line=line, quantity=quantity))
        updated = OrderLine.objects.filter(
            pk=line.pk, quantity_fulfilled__lte=F("quantity") - quantity
        ).update(quantity_fulfilled=F("quantity_fulfilled") + quantity)
        if not updated:  # the order lock makes this unreachable; the CHECK backs it up
            raise FulfilExceedsOrdered(f"Line {line.sku} has too little left to fulfil.")
    FulfilmentLine.objects.bulk_create(parcel)


# --- tracking and moves ---------------------------------------------------------------------


def update_tracking(
    *,
    fulfilment: Fulfilment,
    actor: Actor,
    carrier: str | None = None,
    tracking_number: str | None = None,
    tracking_url: str | None = None,
) -> Fulfilment:
    """Change the carrier and tracking of a parcel that is not cancelled (None leaves a
    field as it is)."""
    given = {
        name: value
        for name, value in (
            ("carrier", carrier),
            ("tracking_number", tracking_number),
            ("tracking_url", tracking_url),
        )
        if value is not None
    }
    changes = _check_tracking(given)
    with transaction.atomic():
        _, fulfilment = PARCELS.lock(fulfilment)
        if fulfilment.status == F_.CANCELLED:
            raise IllegalFulfilmentTransition(
                "A cancelled fulfilment keeps its tracking.",
                current=fulfilment.status,
                requested="tracking",
            )
        before = snapshot(fulfilment, list(TRACKING_FIELDS))
        for name, value in changes.items():
            setattr(fulfilment, name, value)
        after = snapshot(fulfilment, list(TRACKING_FIELDS))
        if after != before:
            fulfilment.save(update_fields=list(changes))
            record_change(
                actor=actor,
                action="update",
                obj=fulfilment,
                verb="fulfilment.tracking",
                before=before,
                after=after,
            )
    return fulfilment


def _move(fulfilment: Fulfilment, target: str, *, stamp: str) -> tuple[Order, Fulfilment]:
    """Lock the order and the parcel, check the move and make it, with its time in `stamp`."""
    order, fulfilment = PARCELS.lock(fulfilment)
    PARCELS.check_move(fulfilment, target)
    fulfilment.status = target
    setattr(fulfilment, stamp, timezone.now())
    fulfilment.save(update_fields=["status", stamp])
    return order, fulfilment


def mark_shipped(*, fulfilment: Fulfilment, actor: Actor, notify: bool = True) -> Fulfilment:
    """The parcel left: event `fulfilment.shipped` (the customer's email with tracking)."""
    with transaction.atomic():
        order, fulfilment = _move(fulfilment, F_.SHIPPED, stamp="shipped_at")
        record_order_event(
            order,
            OrderEvent.Type.FULFILMENT_SHIPPED,
            actor=actor,
            **PARCELS.data(
                fulfilment,
                carrier=fulfilment.carrier,
                tracking_number=fulfilment.tracking_number,
                notify=notify,
            ),
        )
        record_action(fulfilment, "fulfilment.ship", actor=actor)
        record_event(
            "fulfilment.shipped", order_id=order.pk, fulfilment_id=fulfilment.pk, notify=notify
        )
    return fulfilment


def mark_delivered(*, fulfilment: Fulfilment, actor: Actor) -> Fulfilment:
    """The parcel arrived: its units may now be returned."""
    with transaction.atomic():
        order, fulfilment = _move(fulfilment, F_.DELIVERED, stamp="delivered_at")
        record_order_event(
            order, OrderEvent.Type.FULFILMENT_DELIVERED, actor=actor, **PARCELS.data(fulfilment)
        )
        record_action(fulfilment, "fulfilment.deliver", actor=actor)
        record_event("fulfilment.delivered", order_id=order.pk, fulfilment_id=fulfilment.pk)
    return fulfilment


def cancel_fulfilment(*, fulfilment: Fulfilment, actor: Actor, note: str = "") -> Fulfilment:
    """Undo a parcel that was not delivered: its units go back on hand in the stock row they
    left and are allocated to their lines again, the lines' fulfilled quantities go down and
    the order's status follows."""
    note = clean_note(note)
    with transaction.atomic():
        order, fulfilment = PARCELS.lock(fulfilment)
        PARCELS.check_move(fulfilment, F_.CANCELLED)
        items = list(fulfilment.lines.select_related("order_line", "stock").order_by("pk"))
        for item in items:
            line = item.order_line
            if item.stock is not None:
                inventory.unfulfil_line(
                    line_reference=line.reference,
                    order_reference=order.reference,
                    stock=item.stock,
                    quantity=item.quantity,
                    actor=actor,
                )
            OrderLine.objects.filter(pk=line.pk).update(
                quantity_fulfilled=F("quantity_fulfilled") - item.quantity
            )
        fulfilment.status, fulfilment.cancelled_at = F_.CANCELLED, timezone.now()
        fulfilment.save(update_fields=["status", "cancelled_at"])
        record_order_event(
            order,
            OrderEvent.Type.FULFILMENT_CANCELLED,
            actor=actor,
            note=note,
            **PARCELS.data(fulfilment),
        )
        refresh_fulfilment_status(order, actor=actor)
        record_action(fulfilment, "fulfilment.cancel", actor=actor)
        record_event("fulfilment.cancelled", order_id=order.pk, fulfilment_id=fulfilment.pk)
    return fulfilment
