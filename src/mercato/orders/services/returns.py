"""Returns: a customer sends delivered items back, staff decide, receive and refund.

A return moves along `RETURN_TRANSITIONS`: requested → approved → received → refunded, or
rejected (before the goods are received). Each step writes the order's timeline
(`OrderEvent` RETURN_*) and a `return.*` event (the customer's return email).

- `request_return`: only units that were delivered (fulfilments marked delivered) and are not
  already in another return that was not rejected (else 422 `return_exceeds_delivered`).
- `receive_return`: the goods arrived; per line, they go back on hand in a warehouse
  (`inventory.services.restock_return`) or not (damaged). `OrderLine.quantity_returned`
  grows and the order becomes partially returned or returned.
- `start_return_refund` / `close_refunded_return`: the orders' part of a refund, around the
  money, which goes back through `payments.services.refund_return` (the flow), once per
  return (its reference is `return:<public_id>`). The amount comes from the line snapshots:
  a unit is worth the line's gross total divided by its quantity, rounded half-up to the
  cent, and the line's last unit takes what is left, so a line returned in full (in one
  return or several) refunds exactly its total. The order's shipping is added on request,
  once per order.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils import timezone

from mercato.audit.services import Actor, record_change
from mercato.core.errors import Conflict, InvalidInput
from mercato.core.events import record_event
from mercato.core.money import quantize
from mercato.inventory import services as inventory
from mercato.inventory.models import Warehouse
from mercato.orders.errors import (
    IllegalReturnTransition,
    ReturnExceedsDelivered,
    ReturnNotFound,
    ShippingAlreadyRefunded,
)
from mercato.orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    Return,
    ReturnLine,
)
from mercato.orders.selectors import returnable_quantities
from mercato.orders.services.fulfilment import check_order_lines, check_quantity, clean_note
from mercato.orders.services.status import (
    FULFILMENT_STATUSES,
    OrderPart,
    lock_order,
    record_order_event,
    refresh_fulfilment_status,
)

R = Return.Status
ZERO = Decimal("0")
MAX_LINE_REASON = 300

RETURN_TRANSITIONS: dict[str, frozenset[str]] = {
    R.REQUESTED: frozenset({R.APPROVED, R.REJECTED}),
    R.APPROVED: frozenset({R.RECEIVED, R.REJECTED}),
    R.RECEIVED: frozenset({R.REFUNDED}),
    R.REJECTED: frozenset(),
    R.REFUNDED: frozenset(),
}
"""Allowed moves of `Return.status`. Goods that arrived are refunded; a rejected or refunded
return is closed."""

RETURNS = OrderPart(
    Return,
    RETURN_TRANSITIONS,
    what="return",
    illegal=IllegalReturnTransition,
    missing=ReturnNotFound,
)


def _record_move(order_return: Return, verb: str, *, actor: Actor, was: str, **after: Any) -> None:
    """The audit log entry of a staff move of the return from status `was` to the one it has
    now, with `after` (the other things that changed)."""
    record_change(
        actor=actor,
        action="update",
        obj=order_return,
        verb=f"return.{verb}",
        before={"status": was},
        after={"status": order_return.status, **after},
    )


# --- customer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnItem:
    """Units of one order line the customer sends back, and why."""

    line: OrderLine
    quantity: int
    reason: str = ""


def _check_return_lines(
    order: Order, lines: Sequence[ReturnItem]
) -> list[tuple[OrderLine, int, str]]:
    """(line, quantity, reason) of each item, checked: lines of `order`, each once, quantities
    in range, reasons at most MAX_LINE_REASON characters (else 422)."""
    check_order_lines(order, [item.line for item in lines])
    entries = []
    for i, item in enumerate(lines):
        line_reason = clean_note(item.reason, field=f"lines.{i}.reason")
        if len(line_reason) > MAX_LINE_REASON:
            raise InvalidInput(
                f"A line's reason is at most {MAX_LINE_REASON} characters.",
                code="reason_too_long",
                field=f"lines.{i}.reason",
            )
        quantity = check_quantity(item.quantity, field=f"lines.{i}.quantity")
        entries.append((item.line, quantity, line_reason))
    return entries


def request_return(
    *,
    order: Order,
    lines: Sequence[ReturnItem],
    reason: str = "",
    actor: Actor,
) -> Return:
    """The customer asks to send back `lines` of a delivered order. 422
    `return_exceeds_delivered` for units not delivered or already in another return; 409
    `order_not_returnable` for a cancelled or draft order."""
    entries = _check_return_lines(order, lines)
    reason = clean_note(reason, field="reason")
    with transaction.atomic():
        order = lock_order(order)
        if order.status not in FULFILMENT_STATUSES:
            raise Conflict(
                f"A {order.status} order has nothing to return.",
                code="order_not_returnable",
                order_status=order.status,
            )
        left = returnable_quantities(order)
        for i, (line, quantity, _) in enumerate(entries):
            if quantity > left.get(line.pk, 0):
                raise ReturnExceedsDelivered(
                    f"Line {line.sku} has {left.get(line.pk, 0)} delivered units to return.",
                    field=f"lines.{i}.quantity",
                    line_id=str(line.public_id),
                    returnable=left.get(line.pk, 0),
                )
        number = (order.returns.aggregate(n=Max("number"))["n"] or 0) + 1
        order_return = Return.objects.create(order=order, number=number, reason=reason)
        ReturnLine.objects.bulk_create(
            ReturnLine(order_return=order_return, order_line=line, quantity=qty, reason=why)
            for line, qty, why in entries
        )
        record_order_event(
            order,
            OrderEvent.Type.RETURN_REQUESTED,
            actor=actor,
            note=reason,
            **RETURNS.data(
                order_return,
                lines=[
                    {"line_id": str(line.public_id), "sku": line.sku, "quantity": qty}
                    for line, qty, _ in entries
                ],
            ),
        )
        record_event("return.requested", order_id=order.pk, return_id=order_return.pk)
    return order_return


# --- staff ----------------------------------------------------------------------------------


def _decide(order_return: Return, target: str, *, actor: Actor, note: str) -> Return:
    note = clean_note(note)
    with transaction.atomic():
        order, order_return = RETURNS.lock(order_return)
        RETURNS.check_move(order_return, target)
        before = order_return.status
        order_return.status, order_return.decided_at = target, timezone.now()
        fields = ["status", "decided_at"]
        if note:
            order_return.staff_note = note
            fields.append("staff_note")
        order_return.save(update_fields=fields)
        kind = (
            OrderEvent.Type.RETURN_APPROVED
            if target == R.APPROVED
            else OrderEvent.Type.RETURN_REJECTED
        )
        record_order_event(order, kind, actor=actor, note=note, **RETURNS.data(order_return))
        verb = "approve" if target == R.APPROVED else "reject"
        _record_move(order_return, verb, actor=actor, was=before, staff_note=note)
        record_event(f"return.{target}", order_id=order.pk, return_id=order_return.pk)
    return order_return


def approve_return(*, order_return: Return, actor: Actor, note: str = "") -> Return:
    """Staff accept a requested return: the customer may send the goods."""
    return _decide(order_return, R.APPROVED, actor=actor, note=note)


def reject_return(*, order_return: Return, actor: Actor, note: str = "") -> Return:
    """Staff refuse a return that is requested or approved (goods not yet received); its
    units may be asked for again."""
    return _decide(order_return, R.REJECTED, actor=actor, note=note)


def receive_return(
    *,
    order_return: Return,
    restock: Mapping[UUID, bool] | None = None,
    warehouse: Warehouse | None = None,
    actor: Actor,
) -> Return:
    """The goods of an approved return arrived. `restock` maps an order line's public id to
    whether its units go back on hand in `warehouse`; a line not named is not restocked. A
    variant that does not track inventory (or no longer exists) has no stock to put back. The
    lines' returned quantities grow and the order's status follows."""
    with transaction.atomic():
        order, order_return = RETURNS.lock(order_return)
        RETURNS.check_move(order_return, R.RECEIVED)
        items = list(order_return.lines.select_related("order_line__variant").order_by("pk"))
        restocked = _decide_restock(items, restock or {}, warehouse)
        for item in restocked:
            variant = item.order_line.variant
            # _decide_restock restocks a line that has a variant, into a warehouse named
            assert variant is not None and warehouse is not None
            inventory.restock_return(
                variant=variant,
                warehouse=warehouse,
                quantity=item.quantity,
                order_reference=order.reference,
                actor=actor,
                reason=f"return {order.reference}-{order_return.number}",
            )
        ReturnLine.objects.bulk_update(items, ["restock", "warehouse"])
        for item in items:
            OrderLine.objects.filter(pk=item.order_line_id).update(
                quantity_returned=F("quantity_returned") + item.quantity
            )
        order_return.status, order_return.received_at = R.RECEIVED, timezone.now()
        order_return.save(update_fields=["status", "received_at"])
        _record_received(order, order_return, items, restocked, warehouse, actor=actor)
    return order_return


def _decide_restock(
    items: list[ReturnLine], restock: Mapping[UUID, bool], warehouse: Warehouse | None
) -> list[ReturnLine]:
    """Set each return line's `restock` and `warehouse` (not saved) and give back those that
    go on hand: asked for, and of a variant that still exists and tracks inventory. 422
    `line_not_in_return` for a line of another return, `warehouse_required` for restocking
    without a warehouse."""
    by_key = {str(item.order_line.public_id): item for item in items}
    decisions: dict[int, bool] = {}
    for key, value in restock.items():
        item = by_key.get(str(key))
        if item is None:
            raise InvalidInput(
                "This line is not part of the return.",
                code="line_not_in_return",
                field=f"restock.{key}",
            )
        decisions[item.pk] = value
    restocked = []
    for item in items:
        variant = item.order_line.variant
        again = decisions.get(item.pk, False) and variant is not None and variant.track_inventory
        if again:
            restocked.append(item)
        item.restock = again
        item.warehouse = warehouse if again else None
    if restocked and warehouse is None:
        raise InvalidInput(
            "Name the warehouse the goods go back to.",
            code="warehouse_required",
            field="warehouse",
        )
    return restocked


def _record_received(
    order: Order,
    order_return: Return,
    items: list[ReturnLine],
    restocked: list[ReturnLine],
    warehouse: Warehouse | None,
    *,
    actor: Actor,
) -> None:
    """The order's timeline and status, the audit log and the `return.received` event."""
    record_order_event(
        order,
        OrderEvent.Type.RETURN_RECEIVED,
        actor=actor,
        **RETURNS.data(
            order_return,
            warehouse=warehouse.slug if restocked and warehouse else None,
            lines=[
                {
                    "line_id": str(item.order_line.public_id),
                    "sku": item.order_line.sku,
                    "quantity": item.quantity,
                    "restock": item.restock,
                }
                for item in items
            ],
        ),
    )
    refresh_fulfilment_status(order, actor=actor)
    restocked_ids = [str(i.order_line.public_id) for i in restocked]
    _record_move(order_return, "receive", actor=actor, was=R.APPROVED, restocked=restocked_ids)
    record_event("return.received", order_id=order.pk, return_id=order_return.pk)


def unit_share(line: OrderLine) -> Decimal:
    """What one unit of a line is worth: its gross total over its quantity, half-up."""
    return quantize(line.total_gross / line.quantity)


def refund_for_units(line: OrderLine, *, already: int, quantity: int) -> Decimal:
    """The refund for `quantity` more units of `line` after `already` were refunded: the line's
    last unit takes the remainder, so all its units together give back exactly its total."""

    def upto(n: int) -> Decimal:
        return (
            line.total_gross if n >= line.quantity else min(unit_share(line) * n, line.total_gross)
        )

    return upto(already + quantity) - upto(already)


def return_amount(order_return: Return, *, refund_shipping: bool = False) -> Decimal:
    """What refunding `order_return` gives back (see the module's docstring)."""
    items = list(order_return.lines.select_related("order_line").order_by("pk"))
    refunded = dict(
        ReturnLine.objects.filter(
            order_return__order_id=order_return.order_id, order_return__status=R.REFUNDED
        )
        .exclude(order_return=order_return)
        .values("order_line_id")
        .annotate(n=Sum("quantity"))
        .values_list("order_line_id", "n")
    )
    amount = ZERO
    seen: dict[int, int] = {}
    for item in items:
        already = refunded.get(item.order_line_id, 0) + seen.get(item.order_line_id, 0)
        amount += refund_for_units(item.order_line, already=already, quantity=item.quantity)
        seen[item.order_line_id] = seen.get(item.order_line_id, 0) + item.quantity
    if refund_shipping:
        amount += order_return.order.shipping_gross
    return amount


@dataclass(frozen=True)
class ReturnRefund:
    """A refund being made: the order and the return (both locked), what the goods are
    worth (`value`) and what goes back (`amount`, at most what the payments still hold)."""

    order: Order
    order_return: Return
    value: Decimal
    amount: Decimal
    refund_shipping: bool

    @property
    def reason(self) -> str:
        return f"return {self.order.reference}-{self.order_return.number}"

    @property
    def reference(self) -> str:
        return f"return:{self.order_return.public_id}"


def start_return_refund(*, order_return: Return, refund_shipping: bool = False) -> ReturnRefund:
    """The orders' part of refunding a received return, before the money moves (the flow is
    `payments.services.refund_return`): lock, check the move, 409
    `shipping_already_refunded` if another return of the order refunded the shipping, and
    work out the amount. Runs inside the caller's transaction."""
    with transaction.atomic(savepoint=False):
        order, order_return = RETURNS.lock(order_return)
        RETURNS.check_move(order_return, R.REFUNDED)
        if (
            refund_shipping
            and order.returns.filter(status=R.REFUNDED, refund_shipping=True).exists()
        ):
            raise ShippingAlreadyRefunded("The shipping of this order was refunded already.")
        order_return.order = order
        value = return_amount(order_return, refund_shipping=refund_shipping)
        amount = max(min(value, order.total_charged - order.total_refunded), Decimal("0"))
    return ReturnRefund(order, order_return, value, amount, refund_shipping)


def close_refunded_return(*, refund: ReturnRefund, actor: Actor) -> Return:
    """The return is refunded (its money went back): status, timeline, audit log and the
    `return.refunded` event. Runs inside the caller's transaction."""
    order_return, amount = refund.order_return, refund.amount
    with transaction.atomic(savepoint=False):
        order = lock_order(refund.order)  # payments changed its totals
        order_return.status, order_return.refunded_at = R.REFUNDED, timezone.now()
        order_return.refund_amount, order_return.refund_shipping = amount, refund.refund_shipping
        order_return.save(
            update_fields=["status", "refunded_at", "refund_amount", "refund_shipping"]
        )
        record_order_event(
            order,
            OrderEvent.Type.RETURN_REFUNDED,
            actor=actor,
            **RETURNS.data(
                order_return,
                amount=str(amount),
                value=str(refund.value),
                refund_shipping=refund.refund_shipping,
            ),
        )
        _record_move(order_return, "refund", actor=actor, was=R.RECEIVED, refund_amount=str(amount))
        record_event("return.refunded", order_id=order.pk, return_id=order_return.pk)
    return order_return
