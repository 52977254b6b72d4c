"""The money of an order as a whole: give all of it back (a cancelled order), or refund an
amount over its payments (a return)."""

import uuid
from decimal import Decimal

from django.db import transaction

from mercato.audit.services import Actor
from mercato.orders.models import Order
from mercato.orders.services.status import lock_order
from mercato.payments.errors import RefundExceedsCaptured
from mercato.payments.models import ZERO, Payment, Transaction
from mercato.payments.services.bookkeeping import T, require_success
from mercato.payments.services.capture_void_refund import refund, void
from mercato.payments.services.checks import clean_amount


def release_order_payments(*, order: Order, actor: Actor, reason: str = "") -> None:
    """Give back everything the order's payments hold: void what is authorised and not
    captured (and pending attempts), refund what was captured and not refunded. Used when an
    order is cancelled. Calling it again does nothing more. A provider's refusal raises
    ProviderDeclined (402) and changes nothing."""
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        order = lock_order(order)
        payments = order.payments.select_for_update().order_by("-created_at", "-id")
        for payment in payments:
            if payment.status in Payment.OPEN_STATES or payment.capturable_amount > 0:
                key = f"release:{uuid.uuid4().hex}"
                require_success(void(order, payment, key=key, actor=actor, reason=reason))
            if payment.refundable_amount > 0:
                key = f"release:{uuid.uuid4().hex}"
                require_success(
                    refund(order, payment, amount=None, key=key, actor=actor, reason=reason)
                )


def _refunded_before(order: Order, reference: str) -> list[Transaction]:
    return list(
        Transaction.objects.filter(
            payment__order=order, kind=T.REFUND, reference=reference, success=True
        ).order_by("created_at", "id")
    )


def refund_order(
    *, order: Order, amount: Decimal, actor: Actor, reason: str = "", reference: str = ""
) -> list[Transaction]:
    """Refund `amount` over the order's captured payments, newest first. Refuses more than
    is left to refund (422 `refund_exceeds_captured`). With a non-empty `reference` (e.g.
    `return:<public_id>`) it is idempotent: a second call does nothing and returns the first
    call's transactions. An amount of exactly 0 refunds nothing and returns []."""
    reason = (reason or "").strip()[:500]
    reference = (reference or "").strip()[:100]
    if amount == 0:
        return []
    amount = clean_amount(amount)
    with transaction.atomic():
        order = lock_order(order)
        if reference and (done := _refunded_before(order, reference)):
            return done
        payments: list[Payment] = list(
            order.payments.select_for_update().order_by("-created_at", "-id")
        )
        refundable = sum((p.refundable_amount for p in payments), ZERO)
        if amount > refundable:
            raise RefundExceedsCaptured(
                f"At most {refundable} {order.currency} can be refunded.",
                field="amount",
                refundable=str(refundable),
            )
        left, done = amount, []
        for payment in payments:
            share = min(left, payment.refundable_amount)
            if share <= 0:
                continue
            key = reference or f"order-refund:{uuid.uuid4().hex}"
            txn = refund(
                order, payment, amount=share, key=key, actor=actor, reason=reason,
                reference=reference,
            )  # fmt: skip
            require_success(txn)
            done.append(txn)
            left -= share
            if left <= 0:
                break
        return done
