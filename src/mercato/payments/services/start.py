"""Starting a payment (authorise, maybe capture) and confirming one that waits for 3-D
Secure; what happens when the provider holds the money, or refuses."""

import logging
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from mercato.audit.services import SYSTEM, Actor, snapshot
from mercato.core import ratelimit
from mercato.core.errors import InvalidInput
from mercato.core.events import record_event
from mercato.orders.models import Order
from mercato.orders.services.status import lock_order, record_order_event
from mercato.payments.errors import (
    AmountExceedsDue,
    NothingToPay,
    OrderNotPayable,
    OrderRefunded,
    PaymentNotConfirmable,
)
from mercato.payments.models import Payment, Transaction
from mercato.payments.providers.base import (
    AuthorizeRequest,
    Outcome,
    PaymentProvider,
    ProviderResult,
    WebhookEvent,
    get_provider,
)
from mercato.payments.services.bookkeeping import (
    AUDIT_FIELDS,
    MANUAL,
    OP,
    E,
    P,
    T,
    audit_payment,
    committed,
    event_data,
    find_repeat,
    lock_payment,
    provider_of,
    record_attempt,
    sync_order,
)
from mercato.payments.services.capture_void_refund import capture, void
from mercato.payments.services.checks import clean_key, clean_optional_amount, reject_card_data

logger = logging.getLogger("mercato.payments.services")


def _count_attempt(order: Order, actor: Actor) -> None:
    """One payment attempt against the order's and the caller's IP's budgets
    (RATE_LIMIT_PAYMENT_ORDER, RATE_LIMIT_PAYMENT_IP): card testers try many cards fast; a
    shopper needs a few tries. Raises RateLimited (429) past either."""
    ratelimit.hit_rate("payment:order", str(order.public_id), settings.RATE_LIMIT_PAYMENT_ORDER)
    ratelimit.hit_rate("payment:ip", actor.ip or "", settings.RATE_LIMIT_PAYMENT_IP)


def _count_decline(order: Order, actor: Actor) -> None:
    """A declined card weighs one more attempt on both budgets (as card testers' tries
    mostly fail, they reach the limit twice as fast as a shopper)."""
    ratelimit.charge("payment:order", str(order.public_id), settings.RATE_LIMIT_PAYMENT_ORDER)
    ratelimit.charge("payment:ip", actor.ip or "", settings.RATE_LIMIT_PAYMENT_IP)


def fail_payment(
    order: Order, payment: Payment, result: ProviderResult | WebhookEvent, *, actor: Actor
) -> None:
    """The provider refused the attempt (now, or later by webhook)."""
    _count_decline(order, actor)
    payment.status = P.FAILED
    payment.action = None
    payment.failure_code = (result.error_code or "failed")[:50]
    payment.failure_message = (result.error_message or "")[:300]
    payment.save()
    record_order_event(
        order,
        E.PAYMENT_FAILED,
        actor=actor,
        **event_data(payment, code=payment.failure_code),
    )
    record_event(
        "payment.failed", order_id=order.pk, payment_id=payment.pk, reason=payment.failure_code
    )


def authorize_done(order: Order, payment: Payment, *, actor: Actor, capture_now: bool) -> None:
    """The provider holds the money now: record it, and capture it all when asked."""
    payment.status = P.AUTHORIZED
    payment.action = None
    payment.save()
    record_order_event(
        order, E.PAYMENT_AUTHORIZED, actor=actor, **event_data(payment, amount=str(payment.amount))
    )
    if order.status == Order.Status.CANCELLED:
        # authorised after the order was cancelled (a late webhook): give the money back
        void(order, payment, key=f"cancelled:{payment.public_id}", actor=actor, reason="")
    elif capture_now and order.payment_status != OP.REFUNDED:
        capture(order, payment, amount=None, key=f"auto:{payment.public_id}", actor=actor)


def auto_capture(capture_now: bool | None) -> bool:
    return settings.PAYMENT_AUTO_CAPTURE if capture_now is None else capture_now


def _checked_provider(provider: str, token: str) -> PaymentProvider:
    impl = get_provider(provider)
    reject_card_data(token, field="token")
    if impl.needs_token:
        if not token:
            raise InvalidInput(
                "This provider needs a card token.", code="token_required", field="token"
            )
        impl.validate_token(token)
    return impl


def _amount_due(order: Order, wanted: Decimal | None, *, actor: Actor) -> Decimal:
    """What the new payment is for, once the attempts it replaces are voided: an earlier
    attempt left waiting for 3-D Secure, or a manual payment not yet paid."""
    if order.status in (Order.Status.DRAFT, Order.Status.CANCELLED):
        raise OrderNotPayable(f"A {order.status} order cannot be paid.")
    if order.payment_status == OP.REFUNDED:
        raise OrderRefunded("The order was refunded; it takes no new payments.")
    superseded = order.payments.select_for_update().filter(
        Q(status=P.ACTION_REQUIRED) | Q(status=P.PENDING, provider=MANUAL)
    )
    for old in superseded.order_by("pk"):
        void(order, old, key=f"superseded:{old.public_id}", actor=actor, reason="superseded")
    due = order.total_gross - committed(order)
    if due <= 0:
        raise NothingToPay("The order's payments already cover its total.")
    if wanted is not None and wanted > due:
        raise AmountExceedsDue(
            f"The order owes {due} {order.currency} at most.", field="amount", due=str(due)
        )
    return wanted or due


def _apply_authorization(
    order: Order, payment: Payment, result: ProviderResult, *, actor: Actor, capture_now: bool
) -> None:
    """Bring the new payment to what the provider answered."""
    if result.outcome == Outcome.SUCCEEDED:
        authorize_done(order, payment, actor=actor, capture_now=capture_now)
    elif result.outcome == Outcome.ACTION_REQUIRED:
        payment.status, payment.action = P.ACTION_REQUIRED, result.action
        payment.save()
        record_order_event(order, E.PAYMENT_ACTION_REQUIRED, actor=actor, **event_data(payment))
        record_event("payment.action_required", order_id=order.pk, payment_id=payment.pk)
    elif result.outcome == Outcome.PENDING:
        payment.status = P.PENDING
        payment.save()
    else:
        fail_payment(order, payment, result, actor=actor)


def start_payment(
    *,
    order: Order,
    provider: str,
    token: str = "",
    amount: Decimal | None = None,
    actor: Actor = SYSTEM,
    capture: bool | None = None,
    idempotency_key: str = "",
) -> Payment:
    """Pay `amount` of the order (default: all it still owes) with `provider` and the card
    `token`. Returns the payment: authorized (or captured, with PAYMENT_AUTO_CAPTURE or
    `capture=True`), action_required (its `action` says what the client must do), pending
    (a webhook or staff will finish it) or failed (`failure_code`). An earlier attempt left
    waiting for 3-D Secure, or a manual payment not yet paid, is voided: the new one replaces
    it. With an `idempotency_key`, a repeat returns the first payment. Each attempt counts
    against the order's and the caller's rate limits, a declined one twice (429
    `rate_limited` beyond, before anything is done)."""
    token = (token or "").strip()
    impl = _checked_provider(provider, token)
    wanted = clean_optional_amount(amount)
    key = clean_key(idempotency_key)
    with transaction.atomic():
        order = lock_order(order)
        earlier = (
            Transaction.objects.filter(payment__order=order, kind=T.AUTHORIZE, idempotency_key=key)
            .select_related("payment")
            .first()
        )
        if earlier is not None:
            repeated: Payment = earlier.payment
            return repeated
        _count_attempt(order, actor)
        payment = Payment.objects.create(
            order=order,
            provider=provider,
            amount=_amount_due(order, wanted, actor=actor),
            currency=order.currency,
        )
        before = snapshot(payment, AUDIT_FIELDS)
        result = impl.authorize(
            AuthorizeRequest(
                amount=payment.amount,
                currency=payment.currency,
                token=token,
                order_reference=order.reference,
                payment_id=str(payment.public_id),
                idempotency_key=key,
            )
        )
        payment.provider_reference = result.reference[:100]
        payment.card_brand, payment.card_last4 = result.card_brand[:20], result.card_last4[:4]
        record_attempt(payment, T.AUTHORIZE, payment.amount, result, key=key, actor=actor)
        _apply_authorization(order, payment, result, actor=actor, capture_now=auto_capture(capture))
        sync_order(order, actor=actor)
        audit_payment(actor, "start", payment, before)
    logger.info("Payment %s on order %s: %s", payment.public_id, order.number, payment.status)
    return payment


def confirm_payment(
    *,
    payment: Payment,
    data: Mapping[str, str],
    actor: Actor = SYSTEM,
    capture: bool | None = None,
) -> Payment:
    """Finish an action-required payment (3-D Secure) with what the shopper's client sent
    (`PaymentConfirmIn`'s fields).
    Confirming again returns the payment as the first confirmation left it."""
    impl = provider_of(payment)
    with transaction.atomic():
        order, payment = lock_payment(payment)
        if find_repeat(payment, T.AUTHORIZE, "confirm", None) is not None:
            return payment
        if payment.status != P.ACTION_REQUIRED:
            raise PaymentNotConfirmable(f"A {payment.status} payment needs no confirmation.")
        result = impl.confirm(reference=payment.provider_reference, data=data)
        record_attempt(payment, T.AUTHORIZE, payment.amount, result, key="confirm", actor=actor)
        if result.outcome == Outcome.SUCCEEDED:
            authorize_done(order, payment, actor=actor, capture_now=auto_capture(capture))
        else:
            fail_payment(order, payment, result, actor=actor)
        sync_order(order, actor=actor)
    return payment
