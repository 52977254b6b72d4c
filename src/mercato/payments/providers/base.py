"""The seam between the payments services and a payment provider.

A provider is a class with the methods of `PaymentProvider`. The services call it and record
what it answered; a provider never touches our tables (`Payment`, `Transaction`, the order).
Which providers a shop offers is the `PAYMENT_PROVIDERS` setting; where each one's class lives
is `PAYMENT_PROVIDER_CLASSES`. Both are read at call time (`get_provider`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from mercato.core.errors import InvalidInput, NotAuthenticated, NotFound


class InvalidSignature(NotAuthenticated):
    code, title = "invalid_signature", "The webhook signature is not valid"


class UnknownProvider(InvalidInput):
    code, title = "unknown_provider", "No such payment provider"


class UnknownWebhookProvider(NotFound):
    code, title = "unknown_provider", "No such payment provider"


class Outcome:
    SUCCEEDED = "succeeded"  # authorised (or captured, voided, refunded) now
    PENDING = "pending"  # the answer comes later, by webhook (or staff, for manual)
    ACTION_REQUIRED = "action_required"  # the shopper must confirm (3-D Secure)
    FAILED = "failed"


@dataclass(frozen=True)
class ProviderResult:
    """What the provider answered. `raw` is kept on the transaction: it must never hold card
    data (a provider strips it before returning)."""

    outcome: str
    reference: str = ""
    error_code: str = ""
    error_message: str = ""
    action: dict[str, Any] | None = None
    card_brand: str = ""
    card_last4: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.outcome == Outcome.SUCCEEDED


@dataclass(frozen=True)
class AuthorizeRequest:
    amount: Decimal
    currency: str
    token: str
    order_reference: str
    payment_id: str
    idempotency_key: str


class WebhookEventKind:
    AUTHORIZED = "authorized"  # a pending or action-required payment is now authorised
    FAILED = "failed"  # a pending or action-required payment failed
    CAPTURED = "captured"  # the provider's captured total is `amount`
    REFUNDED = "refunded"  # the provider's refunded total is `amount`
    VOIDED = "voided"  # the provider released the authorisation


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook, in our terms. Totals (not deltas) make a replayed or late event
    harmless: it never says more than we know already."""

    id: str
    type: str  # the provider's name for it
    kind: str | None  # a WebhookEventKind, or None for an event we do not act on
    reference: str  # the provider's reference of the payment
    amount: Decimal | None = None
    error_code: str = ""
    error_message: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str
    needs_token: bool

    def validate_token(self, token: str) -> None:
        """Refuse a token this provider can never accept (InvalidInput)."""

    def authorize(self, request: AuthorizeRequest) -> ProviderResult: ...

    def confirm(self, *, reference: str, data: Mapping[str, Any]) -> ProviderResult:
        """Finish an action-required authorisation with what the shopper's client sent."""

    def capture(self, *, reference: str, amount: Decimal, idempotency_key: str) -> ProviderResult:
        """Take `amount` of the authorisation (several partial captures allowed)."""

    def void(self, *, reference: str, idempotency_key: str) -> ProviderResult:
        """Release what is authorised and not captured (or abandon a pending attempt)."""

    def refund(self, *, reference: str, amount: Decimal, idempotency_key: str) -> ProviderResult:
        """Give back `amount` of what was captured."""

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify the signature (InvalidSignature if it fails) and read the event."""


def enabled_providers() -> list[str]:
    return list(settings.PAYMENT_PROVIDERS)


def get_provider(name: str, *, webhook: bool = False) -> PaymentProvider:
    """The provider called `name` if the shop offers it, else 422 (404 for a webhook URL)."""
    classes = settings.PAYMENT_PROVIDER_CLASSES
    if name not in enabled_providers() or name not in classes:
        error = UnknownWebhookProvider if webhook else UnknownProvider
        raise error(f"No payment provider {name[:30]!r}.", field=None if webhook else "provider")
    provider: PaymentProvider = import_string(classes[name])()
    return provider
