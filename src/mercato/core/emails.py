"""Templated email: `templates/emails/<name>.subject.txt`, `.txt` and `.html`, rendered with
one context and sent through Django's mail backend (console in development, SMTP by setting)."""

import logging
import smtplib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks.base import Task

from mercato.core.models import EmailMessageLog

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
"""How often an email task tries the mail relay before it fails."""
RETRY_BASE_SECONDS = 30


def retry_delay(attempt: int) -> timedelta | None:
    """How long an email task waits after failed try `attempt` (30 s, 1 min, 2 min …); None
    after the last try (the task then fails)."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempt - 1))


def send_or_retry(
    task: Task[..., Any],
    arguments: dict[str, Any],
    *,
    attempt: int,
    about: str,
    template: str,
    to: str,
    context: dict[str, Any],
    user_id: int | None = None,
) -> bool:
    """Send a templated email from the email task `task` (called with `arguments` and
    `attempt`). When the relay fails, enqueue the task again with `attempt + 1` after
    `retry_delay` and answer False; after the last try the
    failure is raised (the task fails). True once sent."""
    try:
        send_templated_email(template=template, to=to, context=context, user_id=user_id)
    except (smtplib.SMTPException, OSError):
        delay = retry_delay(attempt)
        if delay is None:
            raise
        logger.warning("Email %s failed; retrying in %s", about, delay)
        task.using(run_after=timezone.now() + delay).enqueue(**arguments, attempt=attempt + 1)
        return False
    return True


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
