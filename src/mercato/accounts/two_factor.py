"""Staff two-factor authentication: an authenticator app (TOTP) plus one-time recovery codes,
kept by django-otp (`otp_totp` and `otp_static` devices).

A staff member enrols (`start_enrolment` → scan the QR code → `confirm_enrolment` with a code),
gets recovery codes shown once, may replace them, and may switch it off with a current code
unless their role requires it (roles.two_factor_required). Whoever has a confirmed
authenticator is asked for a code at every sign-in, in the back office and at the admin API.
The operator resets it for a lost phone (`mercato reset_two_factor`). Every change is audited.
"""

import re
from base64 import b32encode

import segno
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mercato.accounts.errors import OtpInvalid, OtpRequired, TwoFactorStateConflict
from mercato.accounts.models import AuthSession, User
from mercato.accounts.roles import two_factor_required
from mercato.audit.services import Actor, record_action
from mercato.core import ratelimit
from mercato.core.errors import InvalidInput, PermissionDenied

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
# Code checks by a signed-in staff member (confirm, new recovery codes, switch off): per account.
CODE_CHECK_LIMIT = (10, 600)

_SEPARATORS = re.compile(r"[\s-]+")


def normalise_code(code: str | None) -> str:
    """A code as typed: spaces and dashes dropped, lower case (recovery codes are base32)."""
    return _SEPARATORS.sub("", code or "").lower()


# --- questions --------------------------------------------------------------------------------


def authenticator_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def enrolment_pending(user: User) -> bool:
    """A staff member whose role requires 2FA and who has not enrolled yet: they may do
    nothing but enrol."""
    return two_factor_required(user) and not has_two_factor(user)


def pending_enrolment(user: User) -> TOTPDevice | None:
    """The authenticator being enrolled (started, not confirmed yet), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_of(device: TOTPDevice) -> str:
    """The key in base32, as authenticator apps take it when typed in."""
    return b32encode(device.bin_key).decode().rstrip("=")


def qr_code_svg(device: TOTPDevice) -> str:
    """The enrolment QR code (the otpauth:// URL) as an inline SVG element."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


# --- checking a code --------------------------------------------------------------------------


def verify_code(*, user: User, code: str | None) -> Device | None:
    """The confirmed device that accepts `code`, or None. Six or eight digits are a code of
    the authenticator (a code already used is refused: django-otp keeps the last time step);
    anything else is a recovery code, spent by its use."""
    code = normalise_code(code)
    if not code:
        return None
    if code.isdigit() and len(code) in (6, 8):
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    with transaction.atomic():
        for device in devices.select_for_update().order_by("pk"):
            if device.verify_token(code):
                return device
    return None


def _limit_code_checks(user: User) -> None:
    limit, window = CODE_CHECK_LIMIT
    ratelimit.hit("otp_check:account", str(user.public_id), limit=limit, window=window)


def _check_code(*, user: User, code: str | None, field: str = "code") -> Device:
    """A signed-in staff member's code for a change of their 2FA, within the account's budget."""
    _limit_code_checks(user)
    device = verify_code(user=user, code=code)
    if device is None:
        raise InvalidInput(
            "The code is not valid (or was used already).", code="otp_invalid", field=field
        )
    return device


def check_sign_in_code(*, user: User, otp: str | None) -> Device | None:
    """The second factor of a sign-in: None when the user has no authenticator, else the
    device that took `otp`; OtpRequired / OtpInvalid otherwise (the caller counts failures)."""
    if not has_two_factor(user):
        return None
    if not normalise_code(otp):
        raise OtpRequired(
            "This account uses two-factor authentication: send `otp`, a code from the "
            "authenticator app or a recovery code."
        )
    device = verify_code(user=user, code=otp)
    if device is None:
        raise OtpInvalid("The two-factor code is not valid (or was used already).")
    return device


# --- changes ----------------------------------------------------------------------------------


def _issue_recovery_codes(*, user: User, actor: Actor, verb: str) -> list[str]:
    """New recovery codes in place of the old ones, logged (the count, not the codes)."""
    codes = _new_recovery_codes(user)
    _audit(user=user, actor=actor, verb=verb, after={"recovery_codes": len(codes)})
    return codes


def _audit(*, user: User, actor: Actor, verb: str, after: dict) -> None:
    record_action(user, verb, actor=actor, **after)


def start_enrolment(*, user: User, actor: Actor) -> TOTPDevice:
    """A new, unconfirmed authenticator (any earlier unconfirmed one is dropped)."""
    if not user.is_staff:
        raise PermissionDenied("Two-factor authentication is for staff accounts.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if has_two_factor(user):
            raise TwoFactorStateConflict(
                "Two-factor authentication is already on; switch it off first to change "
                "the authenticator.",
                code="two_factor_enabled",
            )
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
        _audit(user=user, actor=actor, verb="staff.2fa_enrolment_started", after={})
    return device


def _new_recovery_codes(user: User) -> list[str]:
    # The same device with new tokens: a session verified by a recovery code stays verified.
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def confirm_enrolment(*, user: User, code: str | None, actor: Actor) -> list[str]:
    """Turn the authenticator on with a code from it; the recovery codes are returned here
    and never again."""
    _limit_code_checks(user)
    device = pending_enrolment(user)
    if device is None:
        if has_two_factor(user):
            raise TwoFactorStateConflict(
                "Two-factor authentication is already on.", code="two_factor_enabled"
            )
        raise TwoFactorStateConflict(
            "Start the enrolment first (it gives the QR code to scan).",
            code="two_factor_not_started",
        )
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        verified = device.verify_token(normalise_code(code))
    if not verified:
        raise InvalidInput(
            "The code is not valid: type the code the app shows now.",
            code="otp_invalid",
            field="code",
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        return _issue_recovery_codes(user=user, actor=actor, verb="staff.2fa_enabled")


def regenerate_recovery_codes(*, user: User, code: str | None, actor: Actor) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code."""
    if not has_two_factor(user):
        raise TwoFactorStateConflict(
            "Two-factor authentication is off.", code="two_factor_disabled"
        )
    _check_code(user=user, code=code)
    with transaction.atomic():
        return _issue_recovery_codes(
            user=user, actor=actor, verb="staff.2fa_recovery_codes_regenerated"
        )


def disable_two_factor(*, user: User, code: str | None, actor: Actor) -> None:
    """Switch 2FA off with a current code; refused when the staff member's role requires it."""
    if two_factor_required(user):
        raise PermissionDenied(
            "Your role requires two-factor authentication; it cannot be switched off.",
            code="two_factor_required",
        )
    if not has_two_factor(user):
        raise TwoFactorStateConflict(
            "Two-factor authentication is off.", code="two_factor_disabled"
        )
    _check_code(user=user, code=code)
    with transaction.atomic():
        _delete_devices(user)
        _audit(user=user, actor=actor, verb="staff.2fa_disabled", after={})


def _delete_devices(user: User) -> int:
    deleted = TOTPDevice.objects.filter(user=user).delete()[0]
    return deleted + StaticDevice.objects.filter(user=user).delete()[0]


def reset_two_factor(*, user: User, actor: Actor) -> int:
    """The operator's reset (a lost phone): every device goes, and every admin session of the
    account is signed out. The staff member signs in with the password and, if their role
    requires it, enrols again. Returns the number of devices and codes removed."""
    with transaction.atomic():
        removed = _delete_devices(user)
        revoked = AuthSession.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason="two_factor_reset"
        )
        _audit(
            user=user,
            actor=actor,
            verb="staff.2fa_reset",
            after={"devices_removed": removed, "sessions_revoked": revoked},
        )
    return removed
