"""The plumbing every money movement shares: the locks (the order, then the payment), the
repeat check of an idempotency key, the `Transaction` record of each provider attempt, the
order's payment totals, the timeline data and the audit log."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from mercato.audit.services import Actor, record_change, snapshot
from mercato.core.events import record_event
from mercato.orders.models import Order, OrderEvent
from mercato.orders.services.status import lock_order, record_order_event, sync_payment_totals
from mercato.payments.errors import IdempotencyKeyReused, ProviderDeclined
from mercato.payments.models import ZERO, Payment, Transaction
from mercato.payments.providers.base import Outcome, PaymentProvider, ProviderResult

P = Payment.Status
OP = Order.PaymentStatus
T = Transaction.Kind
E = OrderEvent.Type
AUDIT_FIELDS = ["status", "amount", "captured_amount", "refunded_amount", "voided_amount"]
MANUAL = "manual"


def lock_payment(payment: Payment) -> tuple[Order, Payment]:
    """The payment's order and the payment, locked in that order."""
    order = lock_order(payment.order_id)
    return order, Payment.objects.select_for_update().get(pk=payment.pk)


def find_repeat(
    payment: Payment, kind: str, key: str, amount: Decimal | None
) -> Transaction | None:
    """The transaction an earlier call with this key made, if any (the same key with another
    amount is refused: 422 `idempotency_key_reused`)."""
    txn = Transaction.objects.filter(payment=payment, kind=kind, idempotency_key=key).first()
    if txn is not None and amount is not None and txn.amount != amount:
        raise IdempotencyKeyReused(
            "This idempotency key was used for another amount.",
            field="idempotency_key",
            first_amount=str(txn.amount),
        )
    return txn


def provider_of(payment: Payment) -> PaymentProvider:
    """The payment's provider, even if the shop no longer offers it for new payments."""
    provider: PaymentProvider = import_string(settings.PAYMENT_PROVIDER_CLASSES[payment.provider])()
    return provider


def record_attempt(
    payment: Payment,
    kind: str,
    amount: Decimal,
    result: ProviderResult,
    *,
    key: str,
    actor: Actor,
    reason: str = "",
    reference: str = "",
    order: Order | None = None,
) -> Transaction:
    """The ledger row of one provider attempt, successful or not. With the `order` (a
    capture, void or refund), a refused one also goes on its timeline (PAYMENT_FAILED, with
    the operation's name)."""
    txn = Transaction.objects.create(
        payment=payment,
        kind=kind,
        amount=amount,
        success=result.outcome != Outcome.FAILED,
        error_code=result.error_code[:50],
        error_message=result.error_message[:300],
        provider_reference=(result.reference or payment.provider_reference)[:100],
        idempotency_key=key,
        reference=reference[:100],
        reason=reason[:500],
        actor_label=actor.label[:254],
        raw_response=result.raw,
    )
    if order is not None and not txn.success:
        record_order_event(
            order, E.PAYMENT_FAILED, actor=actor, **event_data(payment, txn, operation=str(kind))
        )
    return txn


def book_movement(
    order: Order,
    payment: Payment,
    txn: Transaction,
    *,
    event_type: str,
    actor: Actor,
    before: dict[str, Any],
    note: str = "",
    domain_event: str = "",
) -> None:
    """Save the payment after money moved, then write the timeline entry, the domain event
    (with the amount), the order's totals and the audit log."""
    payment.save()
    record_order_event(order, event_type, actor=actor, note=note, **event_data(payment, txn))
    if domain_event:
        record_event(
            domain_event,
            order_id=order.pk,
            payment_id=payment.pk,
            amount=str(txn.amount),
            currency=payment.currency,
        )
    sync_order(order, actor=actor)
    audit_payment(actor, str(txn.kind), payment, before)


def releasable(payment: Payment) -> Decimal:
    """What voiding releases: the whole attempt while it is open, else what is authorised
    and not captured."""
    return payment.amount if payment.status in Payment.OPEN_STATES else payment.capturable_amount


def mark_released(payment: Payment, released: Decimal) -> None:
    """The payment after `released` was voided (not saved)."""
    if payment.status in Payment.OPEN_STATES:
        payment.voided_amount, payment.status, payment.action = payment.amount, P.VOIDED, None
    else:
        payment.voided_amount += released
        payment.status = payment.derive_status()


@dataclass(frozen=True)
class _Sums:
    authorized: Decimal
    charged: Decimal
    refunded: Decimal
    fallback: str


def _sums(order: Order) -> _Sums:
    payments = list(order.payments.order_by("-created_at", "-id"))
    if any(p.status in Payment.OPEN_STATES for p in payments):
        fallback = OP.PENDING
    elif payments and payments[0].status == P.FAILED:
        fallback = OP.FAILED
    else:
        fallback = OP.NOT_CHARGED
    return _Sums(
        authorized=sum((p.capturable_amount for p in payments if p.is_authorized), ZERO),
        charged=sum((p.captured_amount for p in payments), ZERO),
        refunded=sum((p.refunded_amount for p in payments), ZERO),
        fallback=fallback,
    )


def sync_order(order: Order, *, actor: Actor) -> Order:
    """Store what the order's payments add up to; its payment status follows."""
    sums = _sums(order)

    def store(fallback: str) -> Order:
        return sync_payment_totals(
            order,
            authorized=sums.authorized,
            charged=sums.charged,
            refunded=sums.refunded,
            fallback=fallback,
            actor=actor,
        )

    if (
        order.payment_status == OP.AUTHORIZED
        and sums.fallback == OP.PENDING
        and sums.authorized == 0
        and sums.charged == 0
    ):
        # an authorisation released while another attempt is still pending: the table has
        # no authorized → pending move, so the order passes through not charged
        store(OP.NOT_CHARGED)
    return store(sums.fallback)


def committed(order: Order) -> Decimal:
    """What the order's payments already cover or are trying to: every attempt that has not
    failed, less what was released."""
    payments = order.payments.exclude(status=P.FAILED)
    return sum((p.amount - p.voided_amount for p in payments), ZERO)


def event_data(payment: Payment, txn: Transaction | None = None, **extra: Any) -> dict[str, Any]:
    """The timeline data of a payment entry."""
    data: dict[str, Any] = {"payment_id": str(payment.public_id), "provider": payment.provider}
    if txn is not None:
        data["transaction_id"] = str(txn.public_id)
        data["amount"] = str(txn.amount)
    return {**data, **extra}


def audit_payment(actor: Actor, action: str, payment: Payment, before: dict[str, Any]) -> None:
    """A staff or app change lands in the audit log (a shopper's does not)."""
    if (actor.user_id or actor.app_id) and actor.source != "store_api":
        record_change(
            actor=actor,
            action=action,
            obj=payment,
            verb=f"payment.{action}",
            before=before,
            after=snapshot(payment, AUDIT_FIELDS),
        )


def require_success(txn: Transaction) -> None:
    """Stop (and roll back) a multi-step operation when the provider refused a step."""
    if not txn.success:
        raise ProviderDeclined(
            txn.error_message or "The payment provider refused.",
            code=txn.error_code or ProviderDeclined.code,
            transaction_id=str(txn.public_id),
        )
