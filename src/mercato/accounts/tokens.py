"""One-time tokens sent by email. Neither is stored: each is checked against the account's
current state, which its use changes, so each works once.

- Password reset: Django's token generator (its hash covers the password, so a reset spends it),
  valid PASSWORD_RESET_TIMEOUT seconds.
- Email verification: a signed (account, email) pair, valid EMAIL_VERIFICATION_TIMEOUT seconds,
  refused once the address is verified.
- Email change (asked for by customer support): a signed (account, digest of the current email,
  new email) triple, valid EMAIL_VERIFICATION_TIMEOUT seconds, refused once the email is no
  longer the one it was made for.
"""

import hashlib
from uuid import UUID

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing

from mercato.accounts.models import User

VERIFY_SALT = "mercato.accounts.verify-email"
CHANGE_EMAIL_SALT = "mercato.accounts.change-email"


def make_password_reset_token(user: User) -> str:
    return f"{user.public_id.hex}.{default_token_generator.make_token(user)}"


def user_for_password_reset_token(token: str) -> User | None:
    uid, _, secret = token.partition(".")
    try:
        public_id = UUID(hex=uid)
    except ValueError:
        return None
    user = User.objects.filter(public_id=public_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, secret):
        return None
    return user


def make_email_verification_token(user: User) -> str:
    return signing.dumps({"u": user.public_id.hex, "e": user.email}, salt=VERIFY_SALT)


def read_email_verification_token(token: str) -> tuple[str, str] | None:
    """(public id hex, email) from a valid token, or None."""
    try:
        claims = signing.loads(token, salt=VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_TIMEOUT)
    except signing.BadSignature:
        return None
    if not isinstance(claims, dict) or not {"u", "e"} <= claims.keys():
        return None
    return claims["u"], claims["e"]


def email_digest(email: str) -> str:
    """A short digest of an address: enough to tell whether it is still the same one."""
    return hashlib.sha256(email.encode()).hexdigest()[:24]


def make_email_change_token(user: User, new_email: str) -> str:
    claims = {"u": user.public_id.hex, "o": email_digest(user.email), "e": new_email}
    return signing.dumps(claims, salt=CHANGE_EMAIL_SALT, compress=True)


def read_email_change_token(token: str) -> tuple[str, str, str] | None:
    """(public id hex, digest of the old email, new email) from a valid token, or None."""
    try:
        claims = signing.loads(
            token, salt=CHANGE_EMAIL_SALT, max_age=settings.EMAIL_VERIFICATION_TIMEOUT
        )
    except signing.BadSignature:
        return None
    if not isinstance(claims, dict) or not {"u", "o", "e"} <= claims.keys():
        return None
    return claims["u"], claims["o"], claims["e"]
