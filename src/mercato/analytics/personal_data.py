"""A customer's storefront events in the GDPR export, and gone on erasure.

The events are those sent with the customer's token, and those of the visitor ids (browsers)
the customer used while signed in: once a visitor id is linked to an account, it is that
person's. The roll-ups hold no person and stay."""

from typing import Any

from django.db.models import Q, QuerySet

from mercato.accounts.models import User
from mercato.analytics.events_models import StorefrontEvent
from mercato.core.gdpr import personal_data_eraser, personal_data_exporter


def _events_of(user: User) -> "QuerySet[StorefrontEvent]":
    visitors = list(
        StorefrontEvent.objects.filter(customer_id=user.pk)
        .values_list("visitor_id", flat=True)
        .distinct()
    )
    return StorefrontEvent.objects.filter(Q(customer_id=user.pk) | Q(visitor_id__in=visitors))


@personal_data_exporter("storefront_events")
def export_storefront_events(user: User) -> list[dict[str, Any]]:
    return [
        {
            "type": event.type,
            "at": event.occurred_at.isoformat(),
            "visitor_id": str(event.visitor_id),
            "session_id": str(event.session_id),
            "product_id": event.product_id,
            "variant_id": event.variant_id,
            "list_name": event.list_name,
            "search_term": event.search_term,
            "result_count": event.result_count,
            "order_id": event.order_id,
        }
        for event in _events_of(user).order_by("occurred_at", "pk")
    ]


@personal_data_eraser("storefront_events")
def erase_storefront_events(user: User) -> None:
    _events_of(user).delete()
