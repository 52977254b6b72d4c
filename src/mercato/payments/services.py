"""Every money movement of an order: one function per business action.

Each takes keyword arguments, owns its transaction, locks the order (`lock_order`) and then
the payment, in that fixed order, calls the provider, records a `Transaction` for the attempt
(successful or not), and then brings the order up to date: its payment totals and status
(`sync_payment_totals`), its timeline (`record_order_event`) and the domain events. Staff and
app actions land in the audit log.

Idempotency: capture, void, refund and mark-paid take an `idempotency_key`. A second call with
the same key on the same payment returns the first call's transaction and does nothing again
(the same key with another amount is refused). `refund_order` is idempotent per `reference`.

The built-in providers answer in-process, so the provider call runs inside the transaction. A
provider reached over the network should record the intent, call outside the transaction and
record the result (see docs/payments.md).
"""

import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.module_loading import import_string

from mercato.audit.services import SYSTEM, Actor, record_change, snapshot
from mercato.core import ratelimit
from mercato.core.errors import InvalidInput
from mercato.core.events import record_event
from mercato.orders.models import Order, OrderEvent
from mercato.orders.services.status import (
    OrderClosed,
    lock_order,
    record_order_event,
    sync_payment_totals,
)
from mercato.payments.errors import (
    AmountExceedsDue,
    CaptureExceedsAuthorized,
    CardDataNotAccepted,
    IdempotencyKeyReused,
    InvalidAmount,
    NothingToPay,
    OrderNotPayable,
    OrderRefunded,
    PaymentNotCapturable,
    PaymentNotConfirmable,
    PaymentNotManual,
    PaymentNotVoidable,
    PaymentVoided,
    ProviderDeclined,
    RefundExceedsCaptured,
)
from mercato.payments.models import ZERO, Payment, Transaction, WebhookDelivery
from mercato.payments.providers.base import (
    AuthorizeRequest,
    InvalidSignature,
    Outcome,
    PaymentProvider,
    ProviderResult,
    WebhookEvent,
    WebhookEventKind,
    get_provider,
)

logger = logging.getLogger(__name__)

P = Payment.Status
OP = Order.PaymentStatus
T = Transaction.Kind
E = OrderEvent.Type
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
AUDIT_FIELDS = ["status", "amount", "captured_amount", "refunded_amount", "voided_amount"]
MANUAL = "manual"


# --- input checks ---------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d)*")


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def looks_like_card_number(value: str) -> bool:
    """A run of 13 to 19 digits (single spaces or dashes between allowed) that passes Luhn."""
    for match in _DIGIT_RUN.finditer(value or ""):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            return True
    return False


def reject_card_data(value: str, *, field: str) -> None:
    """Refuse anything that looks like a card number. The message never repeats the value."""
    if looks_like_card_number(value):
        raise CardDataNotAccepted(
            "Card numbers are never accepted: tokenise the card with the provider's client "
            "library and send the token.",
            field=field,
        )


def clean_amount(value: Any, *, field: str = "amount") -> Decimal:
    """A positive amount with at most two decimals, below ten billion."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidAmount("The amount is not a number.", field=field) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidAmount("The amount must be more than zero.", field=field)
    if amount > MAX_AMOUNT:
        raise InvalidAmount("The amount is too large.", field=field)
    if amount != amount.quantize(CENT):
        raise InvalidAmount("The amount has at most two decimals.", field=field)
    return amount.quantize(CENT)


def _clean_text(value: str, *, field: str, limit: int) -> str:
    value = (value or "").strip()
    reject_card_data(value, field=field)
    if len(value) > limit:
        raise InvalidInput(f"At most {limit} characters.", code="too_long", field=field)
    return value


def _key(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if len(key) > 255:
        raise InvalidInput(
            "The idempotency key is at most 255 characters.",
            code="invalid_idempotency_key",
            field="idempotency_key",
        )
    return key or f"auto:{uuid.uuid4().hex}"


# --- plumbing -------------------------------------------------------------------------------


def _audited(actor: Actor) -> bool:
    return bool(actor.user_id or actor.app_id) and actor.source != "store_api"


def _locked(payment: Payment) -> tuple[Order, Payment]:
    """The payment's order and the payment, locked in that order."""
    order = lock_order(payment.order_id)
    return order, Payment.objects.select_for_update().get(pk=payment.pk)


def _existing(payment: Payment, kind: str, key: str, amount: Decimal | None) -> Transaction | None:
    txn = Transaction.objects.filter(payment=payment, kind=kind, idempotency_key=key).first()
    if txn is not None and amount is not None and txn.amount != amount:
        raise IdempotencyKeyReused(
            "This idempotency key was used for another amount.",
            field="idempotency_key",
            first_amount=str(txn.amount),
        )
    return txn


def _record(
    payment: Payment,
    kind: str,
    amount: Decimal,
    result: ProviderResult,
    *,
    key: str,
    actor: Actor,
    reason: str = "",
    reference: str = "",
) -> Transaction:
    return Transaction.objects.create(
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


def _provider(payment: Payment) -> PaymentProvider:
    """The payment's provider, even if the shop no longer offers it for new payments."""
    return import_string(settings.PAYMENT_PROVIDER_CLASSES[payment.provider])()


def _sums(order: Order) -> dict[str, Any]:
    payments = list(order.payments.order_by("-created_at", "-id"))
    authorized = sum((p.capturable_amount for p in payments if p.is_authorized), ZERO)
    charged = sum((p.captured_amount for p in payments), ZERO)
    refunded = sum((p.refunded_amount for p in payments), ZERO)
    if any(p.status in Payment.OPEN_STATES for p in payments):
        fallback = OP.PENDING
    elif payments and payments[0].status == P.FAILED:
        fallback = OP.FAILED
    else:
        fallback = OP.NOT_CHARGED
    return {
        "authorized": authorized,
        "charged": charged,
        "refunded": refunded,
        "fallback": fallback,
    }


def _sync(order: Order, *, actor: Actor) -> Order:
    """Store what the order's payments add up to; its payment status follows."""
    sums = _sums(order)
    if (
        order.payment_status == OP.AUTHORIZED
        and sums["fallback"] == OP.PENDING
        and sums["authorized"] == 0
        and sums["charged"] == 0
    ):
        # an authorisation released while another attempt is still pending: the table has
        # no authorized → pending move, so the order passes through not charged
        sync_payment_totals(order, **{**sums, "fallback": OP.NOT_CHARGED}, actor=actor)
    return sync_payment_totals(order, **sums, actor=actor)


def _committed(order: Order) -> Decimal:
    """What the order's payments already cover or are trying to: every attempt that has not
    failed, less what was released."""
    return sum((p.amount - p.voided_amount for p in order.payments.exclude(status=P.FAILED)), ZERO)


def _event_data(payment: Payment, txn: Transaction | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"payment_id": str(payment.public_id), "provider": payment.provider}
    if txn is not None:
        data["transaction_id"] = str(txn.public_id)
        data["amount"] = str(txn.amount)
    return {**data, **extra}


def _audit(actor: Actor, action: str, payment: Payment, before: dict[str, Any]) -> None:
    if _audited(actor):
        record_change(
            actor=actor,
            action=action,
            obj=payment,
            verb=f"payment.{action}",
            before=before,
            after=snapshot(payment, AUDIT_FIELDS),
        )


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


def _fail_payment(
    order: Order, payment: Payment, result: ProviderResult | WebhookEvent, *, actor: Actor
) -> None:
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
        **_event_data(payment, code=payment.failure_code),
    )
    record_event(
        "payment.failed", order_id=order.pk, payment_id=payment.pk, reason=payment.failure_code
    )


def _authorize_done(order: Order, payment: Payment, *, actor: Actor, capture: bool) -> None:
    """The provider holds the money now: record it, and capture it all when asked."""
    payment.status = P.AUTHORIZED
    payment.action = None
    payment.save()
    record_order_event(
        order, E.PAYMENT_AUTHORIZED, actor=actor, **_event_data(payment, amount=str(payment.amount))
    )
    if order.status == Order.Status.CANCELLED:
        # authorised after the order was cancelled (a late webhook): give the money back
        _void(order, payment, key=f"cancelled:{payment.public_id}", actor=actor, reason="")
    elif capture and order.payment_status != OP.REFUNDED:
        _capture(order, payment, amount=None, key=f"auto:{payment.public_id}", actor=actor)


def _auto_capture(capture: bool | None) -> bool:
    return settings.PAYMENT_AUTO_CAPTURE if capture is None else capture


# --- starting and confirming a payment ------------------------------------------------------


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
    impl = get_provider(provider)
    token = (token or "").strip()
    reject_card_data(token, field="token")
    if impl.needs_token:
        if not token:
            raise InvalidInput(
                "This provider needs a card token.", code="token_required", field="token"
            )
        impl.validate_token(token)
    wanted = clean_amount(amount) if amount is not None else None
    key = _key(idempotency_key)
    with transaction.atomic():
        order = lock_order(order)
        earlier = (
            Transaction.objects.filter(payment__order=order, kind=T.AUTHORIZE, idempotency_key=key)
            .select_related("payment")
            .first()
        )
        if earlier is not None:
            return earlier.payment
        _count_attempt(order, actor)
        if order.status in (Order.Status.DRAFT, Order.Status.CANCELLED):
            raise OrderNotPayable(f"A {order.status} order cannot be paid.")
        if order.payment_status == OP.REFUNDED:
            raise OrderRefunded("The order was refunded; it takes no new payments.")
        superseded = order.payments.select_for_update().filter(
            Q(status=P.ACTION_REQUIRED) | Q(status=P.PENDING, provider=MANUAL)
        )
        for old in superseded.order_by("pk"):
            _void(order, old, key=f"superseded:{old.public_id}", actor=actor, reason="superseded")
        due = order.total_gross - _committed(order)
        if due <= 0:
            raise NothingToPay("The order's payments already cover its total.")
        if wanted is not None and wanted > due:
            raise AmountExceedsDue(
                f"The order owes {due} {order.currency} at most.", field="amount", due=str(due)
            )
        payment = Payment.objects.create(
            order=order, provider=provider, amount=wanted or due, currency=order.currency
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
        _record(payment, T.AUTHORIZE, payment.amount, result, key=key, actor=actor)
        if result.outcome == Outcome.SUCCEEDED:
            _authorize_done(order, payment, actor=actor, capture=_auto_capture(capture))
        elif result.outcome == Outcome.ACTION_REQUIRED:
            payment.status, payment.action = P.ACTION_REQUIRED, result.action
            payment.save()
            record_order_event(
                order, E.PAYMENT_ACTION_REQUIRED, actor=actor, **_event_data(payment)
            )
            record_event("payment.action_required", order_id=order.pk, payment_id=payment.pk)
        elif result.outcome == Outcome.PENDING:
            payment.status = P.PENDING
            payment.save()
        else:
            _fail_payment(order, payment, result, actor=actor)
        _sync(order, actor=actor)
        _audit(actor, "start", payment, before)
    logger.info("Payment %s on order %s: %s", payment.public_id, order.number, payment.status)
    return payment


def confirm_payment(
    *, payment: Payment, data: Mapping[str, Any], actor: Actor = SYSTEM, capture: bool | None = None
) -> Payment:
    """Finish an action-required payment (3-D Secure) with what the shopper's client sent.
    Confirming again returns the payment as the first confirmation left it."""
    impl = _provider(payment)
    with transaction.atomic():
        order, payment = _locked(payment)
        if _existing(payment, T.AUTHORIZE, "confirm", None) is not None:
            return payment
        if payment.status != P.ACTION_REQUIRED:
            raise PaymentNotConfirmable(f"A {payment.status} payment needs no confirmation.")
        result = impl.confirm(reference=payment.provider_reference, data=data)
        _record(payment, T.AUTHORIZE, payment.amount, result, key="confirm", actor=actor)
        if result.outcome == Outcome.SUCCEEDED:
            _authorize_done(order, payment, actor=actor, capture=_auto_capture(capture))
        else:
            _fail_payment(order, payment, result, actor=actor)
        _sync(order, actor=actor)
    return payment


# --- capture, void, refund ------------------------------------------------------------------


def _capture(
    order: Order,
    payment: Payment,
    *,
    amount: Decimal | None,
    key: str,
    actor: Actor,
    reason: str = "",
    reference: str = "",
    event_type: str = E.PAYMENT_CAPTURED,
    call: Callable[..., ProviderResult] | None = None,
) -> Transaction:
    """Capture on a locked payment. `call` stands for the provider when the provider told us
    about a capture already made (a webhook): then the order's state does not matter, the
    money was taken."""
    if payment.status == P.VOIDED:
        raise PaymentVoided("A voided payment cannot be captured.")
    if call is None and order.status == Order.Status.CANCELLED:
        raise OrderClosed("A cancelled order takes no captures.")
    if order.payment_status == OP.REFUNDED:
        raise OrderRefunded("The order was refunded in full; it takes no new captures.")
    capturable = payment.capturable_amount
    if capturable <= 0:
        raise PaymentNotCapturable(
            f"A {payment.status} payment has nothing to capture.", status_now=payment.status
        )
    amount = capturable if amount is None else amount
    if amount > capturable:
        raise CaptureExceedsAuthorized(
            f"At most {capturable} {payment.currency} can be captured.",
            field="amount",
            capturable=str(capturable),
        )
    before = snapshot(payment, AUDIT_FIELDS)
    call = call or _provider(payment).capture
    result = call(reference=payment.provider_reference, amount=amount, idempotency_key=key)
    txn = _record(
        payment, T.CAPTURE, amount, result, key=key, actor=actor, reason=reason, reference=reference
    )
    if not txn.success:
        record_order_event(
            order, E.PAYMENT_FAILED, actor=actor, **_event_data(payment, txn, operation="capture")
        )
        return txn
    payment.captured_amount += amount
    payment.status = payment.derive_status()
    payment.save()
    record_order_event(order, event_type, actor=actor, note=reason, **_event_data(payment, txn))
    record_event(
        "payment.captured",
        order_id=order.pk,
        payment_id=payment.pk,
        amount=str(amount),
        currency=payment.currency,
    )
    _sync(order, actor=actor)
    _audit(actor, "capture", payment, before)
    return txn


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
    wanted = clean_amount(amount) if amount is not None else None
    key = _key(idempotency_key)
    with transaction.atomic():
        order, payment = _locked(payment)
        if done := _existing(payment, T.CAPTURE, key, wanted):
            return done
        return _capture(order, payment, amount=wanted, key=key, actor=actor)


def _void(order: Order, payment: Payment, *, key: str, actor: Actor, reason: str) -> Transaction:
    if payment.status in Payment.OPEN_STATES:
        released = payment.amount
    elif payment.capturable_amount > 0:
        released = payment.capturable_amount
    elif payment.status == P.VOIDED:
        raise PaymentNotVoidable("The payment was voided already.")
    else:
        raise PaymentNotVoidable(
            f"A {payment.status} payment has nothing left to void.", status_now=payment.status
        )
    before = snapshot(payment, AUDIT_FIELDS)
    result = _provider(payment).void(reference=payment.provider_reference, idempotency_key=key)
    txn = _record(payment, T.VOID, released, result, key=key, actor=actor, reason=reason)
    if not txn.success:
        record_order_event(
            order, E.PAYMENT_FAILED, actor=actor, **_event_data(payment, txn, operation="void")
        )
        return txn
    if payment.status in Payment.OPEN_STATES:
        payment.voided_amount, payment.status, payment.action = payment.amount, P.VOIDED, None
    else:
        payment.voided_amount += released
        payment.status = payment.derive_status()
    payment.save()
    record_order_event(
        order, E.PAYMENT_VOIDED, actor=actor, note=reason, **_event_data(payment, txn)
    )
    _sync(order, actor=actor)
    _audit(actor, "void", payment, before)
    return txn


def void_payment(
    *, payment: Payment, actor: Actor = SYSTEM, reason: str = "", idempotency_key: str = ""
) -> Transaction:
    """Release what is authorised and not captured (the whole payment if nothing was
    captured; after partial captures, the rest), or abandon a pending attempt."""
    reason = _clean_text(reason, field="reason", limit=500)
    key = _key(idempotency_key)
    with transaction.atomic():
        order, payment = _locked(payment)
        if done := _existing(payment, T.VOID, key, None):
            return done
        return _void(order, payment, key=key, actor=actor, reason=reason)


def _refund(
    order: Order,
    payment: Payment,
    *,
    amount: Decimal | None,
    key: str,
    actor: Actor,
    reason: str = "",
    reference: str = "",
    call: Callable[..., ProviderResult] | None = None,
) -> Transaction:
    refundable = payment.refundable_amount
    amount = refundable if amount is None else amount
    if refundable <= 0 or amount > refundable:
        raise RefundExceedsCaptured(
            f"At most {refundable} {payment.currency} can be refunded.",
            field="amount",
            refundable=str(refundable),
        )
    before = snapshot(payment, AUDIT_FIELDS)
    call = call or _provider(payment).refund
    result = call(reference=payment.provider_reference, amount=amount, idempotency_key=key)
    txn = _record(
        payment, T.REFUND, amount, result, key=key, actor=actor, reason=reason, reference=reference
    )
    if not txn.success:
        record_order_event(
            order, E.PAYMENT_FAILED, actor=actor, **_event_data(payment, txn, operation="refund")
        )
        return txn
    payment.refunded_amount += amount
    payment.status = payment.derive_status()
    payment.save()
    record_order_event(
        order, E.PAYMENT_REFUNDED, actor=actor, note=reason, **_event_data(payment, txn)
    )
    record_event(
        "payment.refunded",
        order_id=order.pk,
        payment_id=payment.pk,
        amount=str(amount),
        currency=payment.currency,
    )
    _sync(order, actor=actor)
    _audit(actor, "refund", payment, before)
    return txn


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
    wanted = clean_amount(amount) if amount is not None else None
    reason = _clean_text(reason, field="reason", limit=500)
    reference = _clean_text(reference, field="reference", limit=100)
    key = _key(idempotency_key or reference)
    with transaction.atomic():
        order, payment = _locked(payment)
        if done := _existing(payment, T.REFUND, key, wanted):
            return done
        return _refund(
            order, payment, amount=wanted, key=key, actor=actor, reason=reason, reference=reference
        )


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
    wanted = clean_amount(amount) if amount is not None else None
    reference = _clean_text(reference, field="reference", limit=100)
    key = _key(idempotency_key)
    with transaction.atomic():
        order, payment = _locked(payment)
        if payment.provider != MANUAL:
            raise PaymentNotManual("Only a manual payment is marked paid; capture this one.")
        if done := _existing(payment, T.CAPTURE, key, wanted):
            return done
        if payment.status == P.PENDING:
            if order.status == Order.Status.CANCELLED:
                raise OrderClosed("A cancelled order takes no payments.")
            payment.status = P.AUTHORIZED  # the money is on its way: count it as held
            payment.save()
        return _capture(
            order,
            payment,
            amount=wanted,
            key=key,
            actor=actor,
            reference=reference,
            event_type=E.MARKED_PAID,
        )


# --- the order as a whole (cancellation, returns) -------------------------------------------


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
                txn = _void(
                    order, payment, key=f"release:{uuid.uuid4().hex}", actor=actor, reason=reason
                )
                _require(txn)
            if payment.refundable_amount > 0:
                txn = _refund(
                    order,
                    payment,
                    amount=None,
                    key=f"release:{uuid.uuid4().hex}",
                    actor=actor,
                    reason=reason,
                )
                _require(txn)


def refund_order(
    *, order: Order, amount: Decimal, actor: Actor, reason: str = "", reference: str = ""
) -> list[Transaction]:
    """Refund `amount` over the order's captured payments, newest first. Refuses more than
    is left to refund (422 `refund_exceeds_captured`). With a non-empty `reference` (e.g.
    `return:<public_id>`) it is idempotent: a second call does nothing and returns the first
    call's transactions. An amount of exactly 0 refunds nothing and returns []."""
    reason = (reason or "").strip()[:500]
    reference = (reference or "").strip()[:100]
    if isinstance(amount, Decimal | int) and amount == 0:
        return []
    amount = clean_amount(amount)
    with transaction.atomic():
        order = lock_order(order)
        if reference:
            done = list(
                Transaction.objects.filter(
                    payment__order=order, kind=T.REFUND, reference=reference, success=True
                ).order_by("created_at", "id")
            )
            if done:
                return done
        payments = list(order.payments.select_for_update().order_by("-created_at", "-id"))
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
            txn = _refund(
                order,
                payment,
                amount=share,
                key=key,
                actor=actor,
                reason=reason,
                reference=reference,
            )
            _require(txn)
            done.append(txn)
            left -= share
            if left <= 0:
                break
        return done


def _require(txn: Transaction) -> None:
    """Stop (and roll back) a multi-step operation when the provider refused a step."""
    if not txn.success:
        raise ProviderDeclined(
            txn.error_message or "The payment provider refused.",
            code=txn.error_code or ProviderDeclined.code,
            transaction_id=str(txn.public_id),
        )


# --- webhooks -------------------------------------------------------------------------------


def _apply_webhook(order: Order, payment: Payment, event: WebhookEvent, *, actor: Actor) -> str:
    """Bring the payment to what the provider says, when that says more than we know. A
    replayed or late event says nothing new, so it changes nothing."""
    kind, key = event.kind, f"webhook:{event.id}"
    if kind is None:
        return f"ignored: {event.type} is not acted on"
    if kind in (WebhookEventKind.AUTHORIZED, WebhookEventKind.FAILED):
        if payment.status not in Payment.OPEN_STATES:
            return f"ignored: the payment is {payment.status} already"
        if kind == WebhookEventKind.AUTHORIZED:
            result = ProviderResult(outcome=Outcome.SUCCEEDED, reference=event.reference)
        else:
            result = ProviderResult(
                outcome=Outcome.FAILED,
                reference=event.reference,
                error_code=event.error_code or "failed",
                error_message=event.error_message,
            )
        _record(payment, T.WEBHOOK, payment.amount, result, key=key, actor=actor)
        if result.succeeded:
            _authorize_done(order, payment, actor=actor, capture=_auto_capture(None))
        else:
            _fail_payment(order, payment, result, actor=actor)
        _sync(order, actor=actor)
        return f"payment {payment.status}"
    total = event.amount
    if kind == WebhookEventKind.CAPTURED:
        if total is None or not payment.is_authorized or total <= payment.captured_amount:
            return "ignored: nothing captured beyond what is recorded"
        if total > payment.amount - payment.voided_amount or order.payment_status == OP.REFUNDED:
            return "ignored: the capture does not fit the payment"
        delta = total - payment.captured_amount
        succeeded = ProviderResult(outcome=Outcome.SUCCEEDED, reference=event.reference)
        _capture(order, payment, amount=delta, key=key, actor=actor, call=lambda **kw: succeeded)
        return f"captured {delta}"
    if kind == WebhookEventKind.REFUNDED:
        if total is None or total <= payment.refunded_amount or total > payment.captured_amount:
            return "ignored: nothing refunded beyond what is recorded"
        delta = total - payment.refunded_amount
        succeeded = ProviderResult(outcome=Outcome.SUCCEEDED, reference=event.reference)
        _refund(order, payment, amount=delta, key=key, actor=actor, call=lambda **kw: succeeded)
        return f"refunded {delta}"
    if kind == WebhookEventKind.VOIDED:
        if payment.status not in Payment.OPEN_STATES and payment.capturable_amount <= 0:
            return "ignored: nothing left to void"
        before = snapshot(payment, AUDIT_FIELDS)
        released = (
            payment.amount if payment.status in Payment.OPEN_STATES else payment.capturable_amount
        )
        result = ProviderResult(outcome=Outcome.SUCCEEDED, reference=event.reference)
        txn = _record(payment, T.VOID, released, result, key=key, actor=actor)
        if payment.status in Payment.OPEN_STATES:
            payment.voided_amount, payment.status, payment.action = payment.amount, P.VOIDED, None
        else:
            payment.voided_amount += released
            payment.status = payment.derive_status()
        payment.save()
        record_order_event(order, E.PAYMENT_VOIDED, actor=actor, **_event_data(payment, txn))
        _sync(order, actor=actor)
        _audit(actor, "void", payment, before)
        return f"voided {released}"
    return f"ignored: unknown kind {kind}"


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
        WebhookDelivery.objects.create(
            provider=provider,
            signature_ok=False,
            outcome=f"refused: {exc}"[:300],
            body_sha256=digest,
            body_size=len(body),
        )
        logger.warning(
            "Payment webhook for %s refused (%s); body sha256 %s, %d bytes",
            provider,
            exc,
            digest,
            len(body),
        )
        raise
    actor = Actor(label=f"provider:{provider}", source="webhook")
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
        found = Payment.objects.filter(
            provider=provider, provider_reference=event.reference
        ).first()
        if found is None or not event.reference:
            delivery.outcome = "ignored: no payment with this reference"
        else:
            order, payment = _locked(found)
            delivery.payment = payment
            delivery.outcome = _apply_webhook(order, payment, event, actor=actor)[:300]
            delivery.processed = not delivery.outcome.startswith("ignored")
        delivery.save(update_fields=["payment", "outcome", "processed"])
    logger.info("Payment webhook %s %s: %s", provider, event.id, delivery.outcome)
    return delivery
