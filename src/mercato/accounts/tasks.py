"""Account emails, sent by the worker. Tokens are made here, when the email is sent, so no
secret waits in the task queue."""

import logging

from django.conf import settings
from django_tasks import task

from mercato.accounts.models import User
from mercato.accounts.tokens import (
    make_email_change_token,
    make_email_verification_token,
    make_password_reset_token,
)
from mercato.core.emails import send_or_retry

ACCOUNT_EMAILS = {
    "verify_email",
    "welcome_verify_email",
    "password_reset",
    "account_exists",
    "password_changed",
    "email_changed",
    "confirm_email_change",  # to the new address, asked for by customer support
    "email_change_requested",  # to the current address, at the same time
}

logger = logging.getLogger(__name__)


@task()
def send_account_email(user_id: int, kind: str, to: str = "", attempt: int = 1) -> None:
    """Send one account email. If the mail relay fails, try again later (30 s, 1 min, 2 min …,
    six attempts in all); the last failure marks the task failed."""
    if kind not in ACCOUNT_EMAILS:
        raise ValueError(f"Unknown account email {kind!r}")
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:  # erased or deactivated meanwhile
        return
    context: dict = {"user": user}
    template = kind
    if kind in {"verify_email", "welcome_verify_email"}:
        if user.is_email_verified:
            return
        template = "verify_email"
        context["welcome"] = kind == "welcome_verify_email"
        context["link"] = settings.EMAIL_VERIFY_URL.format(
            token=make_email_verification_token(user)
        )
        context["valid_hours"] = settings.EMAIL_VERIFICATION_TIMEOUT // 3600
    elif kind in {"password_reset", "account_exists"}:
        context["link"] = settings.PASSWORD_RESET_URL.format(token=make_password_reset_token(user))
        context["valid_minutes"] = settings.PASSWORD_RESET_TIMEOUT // 60
    elif kind == "confirm_email_change":
        if not to or to == user.email:  # already changed
            return
        context["link"] = settings.EMAIL_VERIFY_URL.format(token=make_email_change_token(user, to))
        context["valid_hours"] = settings.EMAIL_VERIFICATION_TIMEOUT // 3600
    send_or_retry(
        send_account_email,
        {"user_id": user_id, "kind": kind, "to": to},
        attempt=attempt,
        about=f"{kind} to user {user_id}",
        template=template,
        to=to or user.email,
        context=context,
        user_id=user.pk,
    )
