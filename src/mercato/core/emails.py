"""Templated email: `templates/emails/<name>.subject.txt`, `.txt` and `.html`, rendered with
one context and sent through Django's mail backend (console in development, SMTP by setting)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from mercato.core.models import EmailMessageLog

MAX_ATTEMPTS = 6
"""How often an email task tries the mail relay before it fails."""
RETRY_BASE_SECONDS = 30


def retry_delay(attempt: int) -> timedelta | None:
    """How long an email task waits after failed try `attempt` (30 s, 1 min, 2 min …); None
    after the last try (the task then fails)."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempt - 1))


def send_templated_email(
    *, template: str, to: str, context: dict[str, Any], user_id: int | None = None
) -> None:
    context = {"shop_name": settings.SHOP_NAME, **context}
    subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()
    EmailMessageLog.objects.create(to=to, template=template, subject=subject, user_id=user_id)
