"""Providers' webhooks: verified, logged once per event, and applied to the payment when they
say more than we know. Events carry totals, so a replayed or late one changes nothing."""

import hashlib
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction

from mercato.audit.services import Actor, snapshot
from mercato.orders.models import Order
from mercato.payments.models import Payment, Transaction, WebhookDelivery
from mercato.payments.providers.base import (
    InvalidSignature,
    Outcome,
    ProviderResult,
    WebhookEvent,
    WebhookEventKind,
    get_provider,
)
from mercato.payments.services.bookkeeping import (
    AUDIT_FIELDS,
    OP,
    E,
    T,
    book_movement,
    lock_payment,
    mark_released,
    record_attempt,
    releasable,
    sync_order,
)
from mercato.payments.services.capture_void_refund import capture, refund
from mercato.payments.services.start import authorize_done, auto_capture, fail_payment

logger = logging.getLogger("mercato.payments.services")


def _succeeded(event: WebhookEvent) -> ProviderResult:
    return ProviderResult(outcome=Outcome.SUCCEEDED, reference=event.reference)


def _key(event: WebhookEvent) -> str:
    """The idempotency key of what an event records: a redelivery records nothing new."""
    return f"webhook:{event.id}"


def _book_told(
    move: Callable[..., Transaction],
    order: Order,
    payment: Payment,
    event: WebhookEvent,
    *,
    delta: Decimal,
    actor: Actor,
) -> None:
    """`move` (capture or refund) of `delta`, made already at the provider: its answer is the
    event's."""
    result = _succeeded(event)
    move(order, payment, amount=delta, key=_key(event), actor=actor, call=lambda **kw: result)


def _settle_attempt(order: Order, payment: Payment, event: WebhookEvent, *, actor: Actor) -> str:
    """A pending or action-required attempt is authorised, or failed."""
    if payment.status not in Payment.OPEN_STATES:
        return f"ignored: the payment is {payment.status} already"
    if event.kind == WebhookEventKind.AUTHORIZED:
        result = _succeeded(event)
    else:
        result = ProviderResult(
            outcome=Outcome.FAILED,
            reference=event.reference,
            error_code=event.error_code or "failed",
            error_message=event.error_message,
        )
    record_attempt(payment, T.WEBHOOK, payment.amount, result, key=_key(event), actor=actor)
    if result.succeeded:
        authorize_done(order, payment, actor=actor, capture_now=auto_capture(None))
    else:
        fail_payment(order, payment, result, actor=actor)
    sync_order(order, actor=actor)
    return f"payment {payment.status}"


def _captured(order: Order, payment: Payment, event: WebhookEvent, *, actor: Actor) -> str:
    total = event.amount
    if total is None or not payment.is_authorized or total <= payment.captured_amount:
        return "ignored: nothing captured beyond what is recorded"
    if total > payment.amount - payment.voided_amount or order.payment_status == OP.REFUNDED:
        return "ignored: the capture does not fit the payment"
    delta = total - payment.captured_amount
    _book_told(capture, order, payment, event, delta=delta, actor=actor)
    return f"captured {delta}"


def _refunded(order: Order, payment: Payment, event: WebhookEvent, *, actor: Actor) -> str:
    total = event.amount
    if total is None or total <= payment.refunded_amount or total > payment.captured_amount:
        return "ignored: nothing refunded beyond what is recorded"
    delta = total - payment.refunded_amount
    _book_told(refund, order, payment, event, delta=delta, actor=actor)
    return f"refunded {delta}"


def _voided(order: Order, payment: Payment, event: WebhookEvent, *, actor: Actor) -> str:
    if payment.status not in Payment.OPEN_STATES and payment.capturable_amount <= 0:
        return "ignored: nothing left to void"
    before = snapshot(payment, AUDIT_FIELDS)
    released = releasable(payment)
    txn = record_attempt(payment, T.VOID, released, _succeeded(event), key=_key(event), actor=actor)
    mark_released(payment, released)
    book_movement(order, payment, txn, event_type=E.PAYMENT_VOIDED, actor=actor, before=before)
    return f"voided {released}"


_APPLY = {
    WebhookEventKind.AUTHORIZED: _settle_attempt,
    WebhookEventKind.FAILED: _settle_attempt,
    WebhookEventKind.CAPTURED: _captured,
    WebhookEventKind.REFUNDED: _refunded,
    WebhookEventKind.VOIDED: _voided,
}


def _apply_webhook(order: Order, payment: Payment, event: WebhookEvent, *, actor: Actor) -> str:
    """Bring the payment to what the provider says, when that says more than we know. A
    replayed or late event says nothing new, so it changes nothing."""
    if event.kind is None:
        return f"ignored: {event.type} is not acted on"
    apply = _APPLY.get(event.kind)
    if apply is None:
        return f"ignored: unknown kind {event.kind}"
    return apply(order, payment, event, actor=actor)


def _refuse(provider: str, exc: InvalidSignature, digest: str, size: int) -> None:
    """Log a refused webhook: a delivery row and a log line, never the body."""
    WebhookDelivery.objects.create(
        provider=provider,
        signature_ok=False,
        outcome=f"refused: {exc}"[:300],
        body_sha256=digest,
        body_size=size,
    )
    logger.warning(
        "Payment webhook for %s refused (%s); body sha256 %s, %d bytes",
        provider,
        exc,
        digest,
        size,
    )


def _apply_delivery(delivery: WebhookDelivery, event: WebhookEvent, provider: str) -> None:
    """Apply a new event to the payment it names, and note the outcome on its delivery."""
    actor = Actor(label=f"provider:{provider}", source="webhook")
    found = Payment.objects.filter(provider=provider, provider_reference=event.reference).first()
    if found is None or not event.reference:
        delivery.outcome = "ignored: no payment with this reference"
    else:
        order, payment = lock_payment(found)
        delivery.payment = payment
        delivery.outcome = _apply_webhook(order, payment, event, actor=actor)[:300]
        delivery.processed = not delivery.outcome.startswith("ignored")
    delivery.save(update_fields=["payment", "outcome", "processed"])


def handle_webhook(*, provider: str, body: bytes, headers: Mapping[str, str]) -> WebhookDelivery:
    """Verify and apply a provider's webhook. A bad signature is logged (delivery row and log
    line, without the body) and refused with 401 `invalid_signature`; nothing else changes.
    An event seen before returns its first delivery (`duplicate` set on it) and changes
    nothing. An event for an unknown payment is acknowledged and kept."""
    impl = get_provider(provider, webhook=True)
    digest = hashlib.sha256(body).hexdigest()
    try:
        event = impl.parse_webhook(body=body, headers=headers)
    except InvalidSignature as exc:
        _refuse(provider, exc, digest, len(body))
        raise
    with transaction.atomic():
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    provider=provider,
                    event_id=event.id,
                    event_type=event.type,
                    signature_ok=True,
                    payload=event.payload,
                    body_sha256=digest,
                    body_size=len(body),
                )
        except IntegrityError:
            delivery = WebhookDelivery.objects.get(provider=provider, event_id=event.id)
            delivery.duplicate = True
            logger.info("Payment webhook %s %s seen before: ignored", provider, event.id)
            return delivery
        delivery.duplicate = False
        _apply_delivery(delivery, event, provider)
    logger.info("Payment webhook %s %s: %s", provider, event.id, delivery.outcome)
    return delivery
