"""`test`: a simulated card processor, for development and tests.

It behaves as a remote processor would: it keeps its own books (`SimulatedCharge` rows, never
our `Payment`), answers each call, and tells us about what happens later by signed webhooks
that its own background task (`settle_simulated_charge`, a django-tasks task) delivers to our
webhook handler, exactly as an HTTP delivery to `/api/webhooks/payments/test` would.

The card token picks the outcome, as Stripe's test tokens do:

| token                    | outcome                                                    |
|--------------------------|------------------------------------------------------------|
| `tok_visa`               | authorised (Visa ···4242)                                  |
| `tok_mastercard`         | authorised (Mastercard ···4444)                            |
| `tok_declined`           | failed: `card_declined`                                    |
| `tok_insufficient_funds` | failed: `insufficient_funds`                               |
| `tok_3ds`                | action required: the client confirms with `authentication` |
|                          | = `complete` (authorised) or `fail` (`authentication_failed`) |
| `tok_async`              | pending; authorised later by a `charge.authorized` webhook |
| `tok_async_declined`     | pending; failed later by a `charge.failed` webhook         |

Webhooks carry `Test-Processor-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
with `PAYMENT_TEST_WEBHOOK_SECRET` (derived from SECRET_KEY when empty).
"""

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks import task

from mercato.core.errors import InvalidAmount, InvalidInput
from mercato.core.money import parse_amount
from mercato.payments import services
from mercato.payments.models import SimulatedCharge
from mercato.payments.providers import signing
from mercato.payments.providers.base import (
    AuthorizeRequest,
    Outcome,
    ProviderResult,
    WebhookEvent,
    WebhookEventKind,
)

SIGNATURE_HEADER = "Test-Processor-Signature"

SUCCEED, THREE_DS, ASYNC, ASYNC_DECLINED = "succeed", "3ds", "async", "async_declined"
TOKENS: dict[str, tuple[str, str, str]] = {
    # token: (behaviour or failure code, brand, last four digits)
    "tok_visa": (SUCCEED, "visa", "4242"),
    "tok_mastercard": (SUCCEED, "mastercard", "4444"),
    "tok_declined": ("card_declined", "visa", "0002"),
    "tok_insufficient_funds": ("insufficient_funds", "visa", "9995"),
    "tok_3ds": (THREE_DS, "visa", "3155"),
    "tok_async": (ASYNC, "visa", "0077"),
    "tok_async_declined": (ASYNC_DECLINED, "visa", "0341"),
}
MESSAGES = {
    "card_declined": "The card was declined.",
    "insufficient_funds": "The card has insufficient funds.",
    "authentication_failed": "The card holder did not pass 3-D Secure.",
    "invalid_state": "The charge does not allow this now.",
    "amount_too_large": "The amount is more than the charge allows.",
    "no_such_charge": "No such charge.",
}
EVENT_KINDS = {
    "charge.authorized": WebhookEventKind.AUTHORIZED,
    "charge.failed": WebhookEventKind.FAILED,
    "charge.captured": WebhookEventKind.CAPTURED,
    "charge.refunded": WebhookEventKind.REFUNDED,
    "charge.voided": WebhookEventKind.VOIDED,
}

C = SimulatedCharge.Status


def webhook_secret() -> str:
    configured: str = settings.PAYMENT_TEST_WEBHOOK_SECRET
    if configured:
        return configured
    return hmac.new(
        settings.SECRET_KEY.encode(), b"mercato.payments.test-webhook", hashlib.sha256
    ).hexdigest()


def _raw(charge: SimulatedCharge) -> dict[str, Any]:
    """The processor's answer as its API would send it: no card number, ever."""
    _, brand, last4 = TOKENS.get(charge.token, ("", "", ""))
    return {
        "id": charge.reference,
        "object": "charge",
        "status": charge.status,
        "amount": str(charge.amount),
        "currency": charge.currency,
        "amount_captured": str(charge.captured),
        "amount_refunded": str(charge.refunded),
        "failure_code": charge.failure_code or None,
        "card": {"brand": brand, "last4": last4},
    }


def _failed(
    code: str, charge: SimulatedCharge | None = None, reference: str = ""
) -> ProviderResult:
    return ProviderResult(
        outcome=Outcome.FAILED,
        reference=charge.reference if charge else reference,
        error_code=code,
        error_message=MESSAGES.get(code, code),
        raw=_raw(charge) if charge else {"error": code},
    )


def _charge(reference: str) -> SimulatedCharge | None:
    return SimulatedCharge.objects.select_for_update().filter(reference=reference).first()


class TestCardProvider:
    name = "test"
    needs_token = True
    __test__ = False  # not a pytest test class

    def validate_token(self, token: str) -> None:
        if token not in TOKENS:
            raise InvalidInput(
                "The test processor does not know this token; use one of "
                + ", ".join(sorted(TOKENS))
                + ".",
                code="invalid_payment_token",
                field="token",
            )

    def authorize(self, request: AuthorizeRequest) -> ProviderResult:
        self.validate_token(request.token)
        behaviour, brand, last4 = TOKENS[request.token]
        charge = SimulatedCharge(
            reference=f"ch_{secrets.token_hex(12)}",
            token=request.token,
            amount=request.amount,
            currency=request.currency,
        )
        answer: dict[str, Any] = {}
        if behaviour == SUCCEED:
            charge.status, outcome = C.AUTHORIZED, Outcome.SUCCEEDED
        elif behaviour == THREE_DS:
            charge.status, outcome = C.REQUIRES_ACTION, Outcome.ACTION_REQUIRED
            answer["action"] = {
                "type": "three_d_secure",
                "url": f"https://test-processor.invalid/3ds/{charge.reference}",
                "confirm_with": {"authentication": ["complete", "fail"]},
            }
        elif behaviour in (ASYNC, ASYNC_DECLINED):
            charge.status, outcome = C.PROCESSING, Outcome.PENDING
        else:
            charge.status, charge.failure_code, outcome = C.FAILED, behaviour, Outcome.FAILED
            answer.update(error_code=behaviour, error_message=MESSAGES[behaviour])
        charge.save()
        if outcome == Outcome.PENDING:
            # the processor answers later, by webhook; the task commits with this transaction
            settle_simulated_charge.enqueue(reference=charge.reference)
        return ProviderResult(
            outcome=outcome,
            reference=charge.reference,
            raw=_raw(charge),
            card_brand=brand,
            card_last4=last4,
            **answer,
        )

    def confirm(self, *, reference: str, data: Mapping[str, Any]) -> ProviderResult:
        answer = data.get("authentication")
        if answer not in ("complete", "fail"):
            raise InvalidInput(
                "Send authentication = complete or fail (the simulated 3-D Secure result).",
                code="invalid_confirmation",
                field="authentication",
            )
        charge = _charge(reference)
        if charge is None:
            return _failed("no_such_charge", reference=reference)
        if charge.status != C.REQUIRES_ACTION:
            return _failed("invalid_state", charge)
        if answer == "complete":
            charge.status = C.AUTHORIZED
            charge.save()
            return ProviderResult(outcome=Outcome.SUCCEEDED, reference=reference, raw=_raw(charge))
        charge.status, charge.failure_code = C.FAILED, "authentication_failed"
        charge.save()
        return _failed("authentication_failed", charge)

    def capture(self, *, reference: str, amount: Decimal, idempotency_key: str) -> ProviderResult:
        charge = _charge(reference)
        if charge is None:
            return _failed("no_such_charge", reference=reference)
        if charge.status != C.AUTHORIZED:
            return _failed("invalid_state", charge)
        if charge.captured + amount > charge.amount:
            return _failed("amount_too_large", charge)
        charge.captured += amount
        charge.save()
        return ProviderResult(outcome=Outcome.SUCCEEDED, reference=reference, raw=_raw(charge))

    def void(self, *, reference: str, idempotency_key: str) -> ProviderResult:
        charge = _charge(reference)
        if charge is None:
            return _failed("no_such_charge", reference=reference)
        if charge.status not in (C.AUTHORIZED, C.PROCESSING, C.REQUIRES_ACTION):
            return _failed("invalid_state", charge)
        charge.status = C.VOIDED
        charge.save()
        return ProviderResult(outcome=Outcome.SUCCEEDED, reference=reference, raw=_raw(charge))

    def refund(self, *, reference: str, amount: Decimal, idempotency_key: str) -> ProviderResult:
        charge = _charge(reference)
        if charge is None:
            return _failed("no_such_charge", reference=reference)
        if charge.refunded + amount > charge.captured:
            return _failed("amount_too_large", charge)
        charge.refunded += amount
        charge.save()
        return ProviderResult(outcome=Outcome.SUCCEEDED, reference=reference, raw=_raw(charge))

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify the signature, then read the event; a body that is not a well-formed event
        (an amount that is not a finite number of cents, say) is 422."""
        signing.verify(
            webhook_secret(),
            body,
            {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER.lower()),
            tolerance=settings.PAYMENT_WEBHOOK_TOLERANCE,
        )
        try:
            event = json.loads(body)
            data = event["data"]
            amount = data.get("amount")
            if event["type"] in ("charge.captured",):
                amount = data.get("amount_captured")
            elif event["type"] in ("charge.refunded",):
                amount = data.get("amount_refunded")
            return WebhookEvent(
                id=str(event["id"])[:100],
                type=str(event["type"])[:100],
                kind=EVENT_KINDS.get(event["type"]),
                reference=str(data["charge"])[:100],
                amount=_webhook_amount(amount),
                error_code=str(data.get("failure_code") or "")[:50],
                error_message=MESSAGES.get(data.get("failure_code") or "", "")[:300],
                payload=event,
            )
        except (ValueError, KeyError, TypeError, AttributeError, InvalidAmount) as exc:
            raise InvalidInput(
                "The webhook body is not a test processor event.", code="invalid_webhook_payload"
            ) from exc


def event_body(charge: SimulatedCharge, event_type: str) -> bytes:
    """A webhook body for `charge` as the processor would send it."""
    return json.dumps(
        {
            "id": f"evt_{secrets.token_hex(12)}",
            "type": event_type,
            "created": int(time.time()),
            "data": {
                "charge": charge.reference,
                "amount": str(charge.amount),
                "amount_captured": str(charge.captured),
                "amount_refunded": str(charge.refunded),
                "failure_code": charge.failure_code or None,
            },
        },
        separators=(",", ":"),
    ).encode()


def send_webhook(charge: SimulatedCharge, event_type: str) -> Any:
    """Deliver a signed event to our webhook handler, as the processor's HTTP call would."""
    body = event_body(charge, event_type)
    headers = {SIGNATURE_HEADER: signing.sign(webhook_secret(), body)}
    return services.handle_webhook(provider=TestCardProvider.name, body=body, headers=headers)


@task()
def settle_simulated_charge(reference: str) -> None:
    """The processor finishes an asynchronous charge and tells the shop by webhook."""
    with transaction.atomic():
        charge = _charge(reference)
        if charge is None or charge.status != C.PROCESSING:
            return  # voided meanwhile: nothing to tell
        behaviour = TOKENS.get(charge.token, ("", "", ""))[0]
        if behaviour == ASYNC:
            charge.status = C.AUTHORIZED
            event_type = "charge.authorized"
        else:
            charge.status, charge.failure_code = C.FAILED, "card_declined"
            event_type = "charge.failed"
        charge.save()
    send_webhook(charge, event_type)


def _webhook_amount(value: Any) -> Decimal | None:
    """A webhook's amount: an exact amount of money (`parse_amount`'s rule), or None."""
    if value is None:
        return None
    return parse_amount(value, field="amount", exact=True)
