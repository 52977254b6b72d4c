"""The system's own records about a person: emails sent, events that name them."""

from typing import Any

from mercato.core.gdpr import personal_data_eraser, personal_data_exporter
from mercato.core.models import EmailMessageLog, Event


@personal_data_exporter("emails_sent")
def export_emails(user: Any) -> list[dict[str, Any]]:
    return [
        {"to": log.to, "subject": log.subject, "sent_at": log.sent_at.isoformat()}
        for log in EmailMessageLog.objects.filter(user=user).order_by("sent_at")
    ]


@personal_data_eraser("emails_sent")
def erase_emails(user: Any) -> None:
    EmailMessageLog.objects.filter(user=user).delete()
    # Event payloads carry ids, and an old email address for "email changed": drop it.
    for event in Event.objects.filter(payload__user_id=user.pk, payload__has_key="old_email"):
        event.payload.pop("old_email", None)
        event.save(update_fields=["payload"])
