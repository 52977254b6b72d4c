"""Bank transfer and cash on delivery: no processor. A payment waits (pending) until staff
mark it paid; a refund is recorded as done by hand (a transfer back, cash at the counter)."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from mercato.core.errors import InvalidInput
from mercato.payments.providers.base import AuthorizeRequest, Outcome, ProviderResult, WebhookEvent
from mercato.payments.providers.base import UnknownWebhookProvider as NoWebhooks


class ManualProvider:
    name = "manual"
    needs_token = False

    def validate_token(self, token: str) -> None:
        return None

    def authorize(self, request: AuthorizeRequest) -> ProviderResult:
        return ProviderResult(
            outcome=Outcome.PENDING,
            reference=f"manual-{request.payment_id}",
            raw={"note": "waiting for the money; staff mark it paid"},
        )

    def confirm(self, *, reference: str, data: Mapping[str, Any]) -> ProviderResult:
        raise InvalidInput("A manual payment has nothing to confirm.", code="nothing_to_confirm")

    def capture(self, *, reference: str, amount: Decimal, idempotency_key: str) -> ProviderResult:
        return ProviderResult(outcome=Outcome.SUCCEEDED, reference=reference, raw={"offline": True})

    def void(self, *, reference: str, idempotency_key: str) -> ProviderResult:
        return ProviderResult(outcome=Outcome.SUCCEEDED, reference=reference, raw={"offline": True})

    def refund(self, *, reference: str, amount: Decimal, idempotency_key: str) -> ProviderResult:
        return ProviderResult(
            outcome=Outcome.SUCCEEDED,
            reference=reference,
            raw={"offline": True, "note": "refunded outside Mercato (transfer or cash)"},
        )

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        raise NoWebhooks("The manual provider takes no webhooks.")
