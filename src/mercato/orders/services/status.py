"""The two status machines of an order and its timeline.

Every change of `Order.status` goes through `transition_order`, every change of
`Order.payment_status` through `transition_payment`. Each checks the move against its table
below, refuses an illegal one with 409 `illegal_status_transition`, and records the move on the
order's timeline (`OrderEvent`) with who made it and an optional note. Nothing else writes
those two columns.

Most moves are not chosen by hand but follow from what happened: `refresh_fulfilment_status`
derives the order status from the line quantities (fulfilled, returned), and
`sync_payment_totals` derives the payment status from the amounts authorised, charged and
refunded. Both then go through the transition functions, so the tables hold for them too.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet, Sum
from django.utils import timezone

from mercato.audit.services import SYSTEM, Actor
from mercato.core.errors import Conflict, DomainError, InvalidInput
from mercato.core.events import record_event
from mercato.orders.errors import IllegalTransition, OrderClosed
from mercato.orders.models import Order, OrderEvent, OrderLine

S = Order.Status
P = Order.PaymentStatus

ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.UNCONFIRMED, S.UNFULFILLED, S.CANCELLED}),
    S.UNCONFIRMED: frozenset({S.UNFULFILLED, S.CANCELLED}),
    S.UNFULFILLED: frozenset({S.PARTIALLY_FULFILLED, S.FULFILLED, S.CANCELLED}),
    S.PARTIALLY_FULFILLED: frozenset({S.UNFULFILLED, S.FULFILLED, S.PARTIALLY_RETURNED}),
    S.FULFILLED: frozenset(
        {S.UNFULFILLED, S.PARTIALLY_FULFILLED, S.PARTIALLY_RETURNED, S.RETURNED}
    ),
    S.PARTIALLY_RETURNED: frozenset({S.RETURNED}),
    S.RETURNED: frozenset(),
    S.CANCELLED: frozenset(),
}
"""Allowed moves of `Order.status`. A cancelled or fully returned order is closed. An order
with anything shipped can no longer be cancelled: its fulfilments are cancelled first (back to
unfulfilled) or its goods come back as a return."""

PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    P.NOT_CHARGED: frozenset({P.PENDING, P.AUTHORIZED, P.PARTIALLY_CHARGED, P.CHARGED, P.FAILED}),
    P.PENDING: frozenset({P.NOT_CHARGED, P.AUTHORIZED, P.PARTIALLY_CHARGED, P.CHARGED, P.FAILED}),
    P.AUTHORIZED: frozenset({P.NOT_CHARGED, P.PARTIALLY_CHARGED, P.CHARGED, P.FAILED}),
    P.PARTIALLY_CHARGED: frozenset({P.CHARGED, P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.CHARGED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.PARTIALLY_REFUNDED: frozenset({P.REFUNDED}),
    P.REFUNDED: frozenset(),
    P.FAILED: frozenset({P.PENDING, P.AUTHORIZED, P.PARTIALLY_CHARGED, P.CHARGED, P.NOT_CHARGED}),
}
"""Allowed moves of `Order.payment_status`. `not_charged` again means an authorisation was
voided or a pending attempt abandoned. Money that was charged can only go back as refunds."""


def record_order_event(
    order: Order,
    type: str,
    *,
    actor: Actor = SYSTEM,
    note: str = "",
    **data: Any,
) -> OrderEvent:
    """Add an entry to the order's timeline."""
    return OrderEvent.objects.create(
        order=order,
        type=type,
        actor_label=actor.label[:254],
        user_id=actor.user_id,
        app_id=actor.app_id,
        note=note,
        data=data,
    )


def check_move(
    table: dict[str, frozenset[str]],
    current: str,
    target: str,
    *,
    what: str,
    error: type[Conflict] = IllegalTransition,
) -> None:
    """Raise `error` (409, with current, requested and allowed) unless `table` lets `current`
    become `target`. The status machines of orders, fulfilments and returns all check here."""
    if target not in table[current]:
        raise error(
            f"A {current} {what} cannot become {target}.",
            current=current,
            requested=target,
            allowed=sorted(table[current]),
        )


def _check(table: dict[str, frozenset[str]], current: str, target: str, what: str) -> None:
    if target not in table:
        raise InvalidInput(f"Unknown {what} {target!r}.", code="invalid_status", field="status")
    check_move(table, current, target, what=what)


def transition_order(
    order: Order, to: str, *, actor: Actor = SYSTEM, note: str = "", **data: Any
) -> Order:
    """Move `order.status` to `to`, or raise IllegalTransition. The caller holds the order's
    row lock (select_for_update) when the move depends on what it read."""
    _check(ORDER_TRANSITIONS, order.status, to, "order status")
    with transaction.atomic(savepoint=False):
        previous, order.status = order.status, to
        fields = ["status", "updated_at"]
        if to == S.CANCELLED:
            order.cancelled_at = timezone.now()
            fields.append("cancelled_at")
        order.save(update_fields=fields)
        record_order_event(
            order,
            OrderEvent.Type.STATUS_CHANGED,
            actor=actor,
            note=note,
            **{"from": previous, "to": to, **data},
        )
        record_event("order.status_changed", order_id=order.pk, previous=previous, status=to)
    return order


def transition_payment(
    order: Order, to: str, *, actor: Actor = SYSTEM, note: str = "", **data: Any
) -> Order:
    """Move `order.payment_status` to `to`, or raise IllegalTransition. Moving to the status
    the order already has is no move: nothing is recorded."""
    if to == order.payment_status:
        return order
    _check(PAYMENT_TRANSITIONS, order.payment_status, to, "payment status")
    with transaction.atomic(savepoint=False):
        previous, order.payment_status = order.payment_status, to
        order.save(update_fields=["payment_status", "updated_at"])
        record_order_event(
            order,
            OrderEvent.Type.PAYMENT_STATUS_CHANGED,
            actor=actor,
            note=note,
            **{"from": previous, "to": to, **data},
        )
        record_event(
            "order.payment_status_changed", order_id=order.pk, previous=previous, status=to
        )
    return order


def lock_order(order: Order | int) -> Order:
    """The order again, read under a row lock (inside the caller's transaction)."""
    pk = order.pk if isinstance(order, Order) else order
    return Order.objects.select_for_update().get(pk=pk)


M = TypeVar("M", bound=Model)


def lock_order_and(
    order_id: int, rows: QuerySet[M], *, missing: type[DomainError]
) -> tuple[Order, M]:
    """The order (locked first: the one lock order of the orders app), then the one row of
    `rows` (a parcel or a return of it) under a lock too; `missing` when that row is gone."""
    order = lock_order(order_id)
    locked = rows.select_for_update().first()
    if locked is None:
        raise missing()
    return order, locked


class _Part(Protocol):
    pk: Any
    order_id: int
    number: int
    status: str
    public_id: Any


P_ = TypeVar("P_", bound=Model)


@dataclass(frozen=True)
class OrderPart(Generic[P_]):
    """A part of an order with its own status machine (a parcel, a return): its moves are
    checked against `transitions` (else `illegal`), it is locked after its order (`missing`
    when gone), and the timeline names it as `{what}` and `{what}_id`."""

    model: type[P_]
    transitions: dict[str, frozenset[str]]
    what: str
    illegal: type[Conflict]
    missing: type[DomainError]

    def check_move(self, part: _Part, target: str) -> None:
        check_move(self.transitions, part.status, target, what=self.what, error=self.illegal)

    def lock(self, part: _Part) -> tuple[Order, P_]:
        """The order and the part again, both locked."""
        rows = self.model._default_manager.filter(pk=part.pk)
        return lock_order_and(part.order_id, rows, missing=self.missing)

    def data(self, part: _Part, **more: Any) -> dict[str, Any]:
        """The timeline entry's data: the part's number and public id, and `more`."""
        return {self.what: part.number, f"{self.what}_id": str(part.public_id), **more}


def derived_fulfilment_status(order: Order) -> str:
    """What the order's status should be from its lines: how much is shipped, how much came
    back. Only meaningful for a confirmed order that is not cancelled."""
    totals = OrderLine.objects.filter(order=order).aggregate(
        ordered=Sum("quantity"),
        fulfilled=Sum("quantity_fulfilled"),
        returned=Sum("quantity_returned"),
    )
    ordered = totals["ordered"] or 0
    fulfilled = totals["fulfilled"] or 0
    returned = totals["returned"] or 0
    if returned:
        return S.RETURNED if returned >= ordered else S.PARTIALLY_RETURNED
    if not fulfilled:
        return S.UNFULFILLED
    return S.FULFILLED if fulfilled >= ordered else S.PARTIALLY_FULFILLED


FULFILMENT_STATUSES = frozenset(
    {S.UNFULFILLED, S.PARTIALLY_FULFILLED, S.FULFILLED, S.PARTIALLY_RETURNED, S.RETURNED}
)


def refresh_fulfilment_status(order: Order, *, actor: Actor = SYSTEM, note: str = "") -> Order:
    """Move the order to the status its line quantities call for (after a fulfilment, a
    cancelled fulfilment or a received return). Call with the order locked."""
    if order.status not in FULFILMENT_STATUSES:
        raise OrderClosed(f"A {order.status} order cannot be fulfilled or returned.")
    target = derived_fulfilment_status(order)
    if target != order.status:
        transition_order(order, target, actor=actor, note=note)
    return order


def derived_payment_status(order: Order) -> str | None:
    """The payment status the amounts call for, or None when no money moved (then the
    status is what the payment attempts say: not charged, pending or failed)."""
    charged, refunded = order.total_charged, order.total_refunded
    # refunded only when nothing is left to give back nor to capture
    if charged > 0 and refunded >= charged and order.total_authorized <= 0:
        return P.REFUNDED
    if refunded > 0:
        return P.PARTIALLY_REFUNDED
    if charged > 0:
        return P.CHARGED if charged >= order.total_gross else P.PARTIALLY_CHARGED
    if order.total_authorized > 0:
        return P.AUTHORIZED
    return None


def sync_payment_totals(
    order: Order,
    *,
    authorized: Decimal,
    charged: Decimal,
    refunded: Decimal,
    fallback: str | None = None,
    actor: Actor = SYSTEM,
    note: str = "",
) -> Order:
    """Store what the payments add up to now and move the payment status to match. When no
    money is authorised or charged, `fallback` (pending, failed, not charged) is the status.
    Call with the order locked; payments.services is the only caller."""
    if refunded > charged:
        raise InvalidInput("More refunded than charged.", code="refund_exceeds_captured")
    with transaction.atomic(savepoint=False):
        order.total_authorized, order.total_charged, order.total_refunded = (
            authorized,
            charged,
            refunded,
        )
        order.save(
            update_fields=["total_authorized", "total_charged", "total_refunded", "updated_at"]
        )
        target = derived_payment_status(order) or fallback
        if target:
            transition_payment(order, target, actor=actor, note=note)
    return order


def add_note(*, order: Order, note: str, actor: Actor) -> OrderEvent:
    """A staff note on the timeline."""
    note = (note or "").strip()
    if not note:
        raise InvalidInput("A note cannot be empty.", code="note_required", field="note")
    if len(note) > 5000:
        raise InvalidInput("A note is at most 5,000 characters.", code="note_too_long")
    return record_order_event(order, OrderEvent.Type.NOTE_ADDED, actor=actor, note=note)
