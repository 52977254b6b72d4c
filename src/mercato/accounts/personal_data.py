"""The account's part of a GDPR export, and its erasure (run last, after every other app)."""

import uuid

from django.utils import timezone

from mercato.accounts.models import AuthSession, User
from mercato.core.gdpr import personal_data_eraser, personal_data_exporter


@personal_data_exporter("account")
def export_account(user: User) -> dict:
    return {
        "id": str(user.public_id),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "email_verified_at": user.email_verified_at.isoformat() if user.email_verified_at else None,
        "marketing_opt_in": user.marketing_opt_in,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "sessions": [
            {
                "created_at": session.created_at.isoformat(),
                "last_used_at": session.last_used_at.isoformat(),
                "ip_address": session.ip_address,
                "user_agent": session.user_agent,
                "active": session.is_active,
            }
            for session in AuthSession.objects.filter(user=user).order_by("created_at")
        ],
    }


@personal_data_eraser("account", order=1000)
def erase_account(user: User) -> None:
    """Anonymise the row (orders keep pointing at it), end every session, free the email."""
    AuthSession.objects.filter(user=user).delete()
    user.email = f"erased-{uuid.uuid4().hex}@erased.invalid"
    user.first_name = user.last_name = user.phone = ""
    user.marketing_opt_in = False
    user.is_active = False
    user.email_verified_at = None
    user.erased_at = timezone.now()
    user.set_unusable_password()
    user.save()
