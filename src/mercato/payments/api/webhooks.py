"""Providers post their signed events here (no auth: the signature is checked)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from mercato.core.schemas import problems
from mercato.payments import services

webhook_router = Router(tags=["payment webhooks"])


class WebhookReceived(Schema):
    received: bool
    duplicate: bool
    processed: bool
    outcome: str


@webhook_router.post(
    "/payments/{provider}",
    response={200: WebhookReceived, **problems(400, 401, 404, 409, 422)},
    auth=None,
    operation_id="mercato_payments_api_payment_webhook",
)
def payment_webhook(request: HttpRequest, provider: str) -> dict[str, Any]:
    """A provider's event, signed (the test processor: `Test-Processor-Signature`). A bad
    signature is 401 `invalid_signature`; an event seen before is acknowledged and ignored."""
    delivery = services.handle_webhook(
        provider=provider[:30], body=request.body, headers=request.headers
    )
    return {
        "received": True,
        "duplicate": delivery.duplicate,
        "processed": delivery.processed,
        "outcome": delivery.outcome,
    }
