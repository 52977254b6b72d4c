"""Capture, void, refund and mark paid: the money of one payment moves.

The private `capture`, `void` and `refund` act on a payment the caller locked (with its order);
the public functions take the locks, answer a repeated idempotency key with the first
transaction, and call them. `call` stands for the provider when the provider told us about a
movement it made already (a webhook)."""

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction

from mercato.audit.services import SYSTEM, Actor, snapshot
from mercato.orders.models import Order
from mercato.orders.services.status import OrderClosed
from mercato.payments.errors import (
    CaptureExceedsAuthorized,
    OrderRefunded,
    PaymentNotCapturable,
    PaymentNotManual,
    PaymentNotVoidable,
    PaymentVoided,
    RefundExceedsCaptured,
)
from mercato.payments.models import Payment, Transaction
from mercato.payments.providers.base import ProviderResult
from mercato.payments.services.bookkeeping import (
    AUDIT_FIELDS,
    MANUAL,
    OP,
    E,
    P,
    T,
    book_movement,
    find_repeat,
    lock_payment,
    mark_released,
    provider_of,
    record_attempt,
    releasable,
)
from mercato.payments.services.checks import clean_key, clean_optional_amount, clean_text

ProviderCall = Callable[..., ProviderResult]


def _check_capture(order: Order, payment: Payment, *, by_provider: bool) -> Decimal:
    """What is left to capture, or why nothing may be."""
    if payment.status == P.VOIDED:
        raise PaymentVoided("A voided payment cannot be captured.")
    if not by_provider and order.status == Order.Status.CANCELLED:
        raise OrderClosed("A cancelled order takes no captures.")
    if order.payment_status == OP.REFUNDED:
        raise OrderRefunded("The order was refunded in full; it takes no new captures.")
    capturable = payment.capturable_amount
    if capturable <= 0:
        raise PaymentNotCapturable(
            f"A {payment.status} payment has nothing to capture.", status_now=payment.status
        )
    return capturable


def _operate(
    order: Order,
    payment: Payment,
    kind: str,
    amount: Decimal,
    result: ProviderResult,
    *,
    before: dict[str, Any],
    key: str,
    actor: Actor,
    event_type: str,
    change: Callable[[], None],
    reason: str = "",
    reference: str = "",
    domain_event: str = "",
) -> Transaction:
    """The end of a capture, void or refund: the provider's `result` recorded; when it
    succeeded, the payment changed (`change`) and the movement booked."""
    txn = record_attempt(
        payment, kind, amount, result, key=key, actor=actor, reason=reason, reference=reference,
        order=order,
    )  # fmt: skip
    if txn.success:
        change()
        book_movement(
            order,
            payment,
            txn,
            event_type=event_type,
            actor=actor,
            before=before,
            note=reason,
            domain_event=domain_event,
        )
    return txn


def _at_most(
    limit: Decimal,
    amount: Decimal | None,
    payment: Payment,
    error: type[CaptureExceedsAuthorized | RefundExceedsCaptured],
    *,
    left: str,
    verb: str,
) -> Decimal:
    """`amount` (default: all of `limit`); refused with `error` when there is nothing left
    or it is more than `limit` (the error names what is `left`)."""
    amount = limit if amount is None else amount
    if limit <= 0 or amount > limit:
        raise error(
            f"At most {limit} {payment.currency} can be {verb}.",
            field="amount",
            **{left: str(limit)},
        )
    return amount


def _move(
    payment: Payment, call: ProviderCall, amount: Decimal, key: str
) -> tuple[dict[str, Any], ProviderResult]:
    """The payment's audit fields before, and the provider's answer to moving `amount`."""
    before = snapshot(payment, AUDIT_FIELDS)
    return before, call(reference=payment.provider_reference, amount=amount, idempotency_key=key)


def _once(
    payment: Payment,
    kind: str,
    key: str,
    amount: Decimal | None,
    operation: Callable[[Order, Payment], Transaction],
) -> Transaction:
    """`operation` on the locked order and payment, in one transaction; a repeated `key`
    gets the first transaction instead."""
    with transaction.atomic():
        order, payment = lock_payment(payment)
        if done := find_repeat(payment, kind, key, amount):
            return done
        return operation(order, payment)


def _add(
    payment: Payment, *, captured: Decimal = Decimal(0), refunded: Decimal = Decimal(0)
) -> None:
    payment.captured_amount += captured
    payment.refunded_amount += refunded
    payment.status = payment.derive_status()


def capture(
    order: Order,
    payment: Payment,
    *,
    amount: Decimal | None,
    key: str,
    actor: Actor,
    reference: str = "",
    event_type: str = E.PAYMENT_CAPTURED,
    call: ProviderCall | None = None,
) -> Transaction:
    """Capture on a locked payment. With `call` (the provider told us about a capture made
    already) the order's state does not matter: the money was taken."""
    capturable = _check_capture(order, payment, by_provider=call is not None)
    amount = _at_most(
        capturable, amount, payment, CaptureExceedsAuthorized, left="capturable", verb="captured"
    )
    before, result = _move(payment, call or provider_of(payment).capture, amount, key)
    return _operate(
        order, payment, T.CAPTURE, amount, result, before=before, key=key, actor=actor,
        reference=reference, event_type=event_type, domain_event="payment.captured",
        change=lambda: _add(payment, captured=amount),
    )  # fmt: skip


def void(order: Order, payment: Payment, *, key: str, actor: Actor, reason: str) -> Transaction:
    """Void on a locked payment: all of an open attempt, else what is not captured."""
    released = releasable(payment)
    if released <= 0 and payment.status not in Payment.OPEN_STATES:
        if payment.status == P.VOIDED:
            raise PaymentNotVoidable("The payment was voided already.")
        raise PaymentNotVoidable(
            f"A {payment.status} payment has nothing left to void.", status_now=payment.status
        )
    before = snapshot(payment, AUDIT_FIELDS)
    result = provider_of(payment).void(reference=payment.provider_reference, idempotency_key=key)
    return _operate(
        order, payment, T.VOID, released, result, before=before, key=key, actor=actor,
        reason=reason, event_type=E.PAYMENT_VOIDED,
        change=lambda: mark_released(payment, released),
    )  # fmt: skip


def refund(
    order: Order,
    payment: Payment,
    *,
    amount: Decimal | None,
    key: str,
    actor: Actor,
    reason: str = "",
    reference: str = "",
    call: ProviderCall | None = None,
) -> Transaction:
    """Refund on a locked payment: `amount` (default: all that is left) of what it captured."""
    refundable = payment.refundable_amount
    amount = _at_most(
        refundable, amount, payment, RefundExceedsCaptured, left="refundable", verb="refunded"
    )
    before, result = _move(payment, call or provider_of(payment).refund, amount, key)
    return _operate(
        order, payment, T.REFUND, amount, result, before=before, key=key, actor=actor,
        reason=reason, reference=reference, event_type=E.PAYMENT_REFUNDED,
        domain_event="payment.refunded", change=lambda: _add(payment, refunded=amount),
    )  # fmt: skip


def capture_payment(
    *,
    payment: Payment,
    amount: Decimal | None = None,
    actor: Actor = SYSTEM,
    idempotency_key: str = "",
) -> Transaction:
    """Take `amount` (default: all that is left) of an authorised payment. Several partial
    captures are allowed. Returns the transaction; `success` False when the provider refused
    (nothing changed but the record of the attempt)."""
    wanted = clean_optional_amount(amount)
    key = clean_key(idempotency_key)
    operation = partial(capture, amount=wanted, key=key, actor=actor)
    return _once(payment, T.CAPTURE, key, wanted, operation)


def void_payment(
    *, payment: Payment, actor: Actor = SYSTEM, reason: str = "", idempotency_key: str = ""
) -> Transaction:
    """Release what is authorised and not captured (the whole payment if nothing was
    captured; after partial captures, the rest), or abandon a pending attempt."""
    reason = clean_text(reason, field="reason", limit=500)
    key = clean_key(idempotency_key)
    return _once(payment, T.VOID, key, None, partial(void, key=key, actor=actor, reason=reason))


def refund_payment(
    *,
    payment: Payment,
    amount: Decimal | None = None,
    actor: Actor = SYSTEM,
    reason: str = "",
    idempotency_key: str = "",
    reference: str = "",
) -> Transaction:
    """Give back `amount` (default: all that is left) of what the payment captured. Several
    partial refunds are allowed; never more than was captured (422
    `refund_exceeds_captured`). The key defaults to `reference` when only that is given."""
    wanted = clean_optional_amount(amount)
    reason = clean_text(reason, field="reason", limit=500)
    reference = clean_text(reference, field="reference", limit=100)
    key = clean_key(idempotency_key or reference)
    operation = partial(
        refund, amount=wanted, key=key, actor=actor, reason=reason, reference=reference
    )
    return _once(payment, T.REFUND, key, wanted, operation)


def mark_paid(
    *,
    payment: Payment,
    amount: Decimal | None = None,
    actor: Actor = SYSTEM,
    reference: str = "",
    idempotency_key: str = "",
) -> Transaction:
    """Staff saw the money of a manual payment arrive (a bank transfer, cash on delivery):
    `amount` (default: all that is left) is captured. Part payments add up."""
    wanted = clean_optional_amount(amount)
    reference = clean_text(reference, field="reference", limit=100)
    key = clean_key(idempotency_key)
    with transaction.atomic():
        order, payment = lock_payment(payment)
        if payment.provider != MANUAL:
            raise PaymentNotManual("Only a manual payment is marked paid; capture this one.")
        if done := find_repeat(payment, T.CAPTURE, key, wanted):
            return done
        if payment.status == P.PENDING:
            if order.status == Order.Status.CANCELLED:
                raise OrderClosed("A cancelled order takes no payments.")
            payment.status = P.AUTHORIZED  # the money is on its way: count it as held
            payment.save()
        return capture(
            order,
            payment,
            amount=wanted,
            key=key,
            actor=actor,
            reference=reference,
            event_type=E.MARKED_PAID,
        )
