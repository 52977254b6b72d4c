"""Templated email: `templates/emails/<name>.subject.txt`, `.txt` and `.html`, rendered with
one context and sent through Django's mail backend (console in development, SMTP by setting)."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from mercato.core.models import EmailMessageLog


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
