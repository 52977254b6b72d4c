"""The store's storefront events (`store_router`): batches of what shoppers did."""

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from mercato.accounts.authentication import optional_customer_auth
from mercato.analytics import tracking
from mercato.analytics.events_schemas import StorefrontEventBatchIn, StorefrontEventsAccepted
from mercato.core.clientip import get_client_ip
from mercato.core.schemas import problems

store_router = Router(tags=["store: analytics"])


@store_router.post(
    "/analytics/events",
    response={202: StorefrontEventsAccepted, **problems(401, 413, 422, 429)},
    auth=optional_customer_auth,
)
def record_storefront_events(request: HttpRequest, body: StorefrontEventBatchIn):
    """Up to 100 events of one or more sessions, stored all together or not at all (422
    for an unknown type, a malformed id, a moment in the future or too old; 413 beyond
    ANALYTICS_EVENTS_MAX_BODY_BYTES; 429 beyond RATE_LIMIT_ANALYTICS_IP batches from one
    address). With a customer token the events are the customer's (GDPR export). No IP
    address is stored; with `consent: false` nothing is, and the answer says 0."""
    principal = getattr(request, "principal", None)
    accepted = tracking.record_events(
        events=body.events,
        consent=body.consent,
        customer_id=principal.user.pk if principal and principal.user else None,
        ip=get_client_ip(request),
        body_size=len(request.body),
    )
    return Status(202, StorefrontEventsAccepted(accepted=accepted))
