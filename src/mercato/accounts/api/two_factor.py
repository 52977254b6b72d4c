"""Admin: a staff member's two-factor authentication (open to a token that may only enrol)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from mercato.accounts import services, two_factor
from mercato.accounts.api.common import actor, admin_router, no_store
from mercato.accounts.authentication import principal_of
from mercato.accounts.models import User
from mercato.accounts.operations import admin_operation
from mercato.accounts.roles import two_factor_required
from mercato.accounts.schemas import (
    OtpCodeIn,
    RecoveryCodesOut,
    TwoFactorEnrolIn,
    TwoFactorEnrolmentOut,
    TwoFactorOut,
)
from mercato.core.errors import PermissionDenied

CODE_ERRORS = (409, 422, 429)  # a wrong state, a bad or wrong code, too many tries


def _operation(method: str, path: str, *, out: Any, errors: tuple[int, ...] = CODE_ERRORS) -> Any:
    return admin_operation(
        admin_router, method, path, out=out, errors=errors, during_enrolment=True
    )


def _staff_user(request: HttpRequest) -> User:
    principal = principal_of(request)
    if principal.user is None:
        raise PermissionDenied("Two-factor authentication is for staff members, not apps.")
    return principal.user


def _two_factor_status(user: User) -> TwoFactorOut:
    return TwoFactorOut(
        enabled=two_factor.has_two_factor(user),
        required=two_factor_required(user),
        recovery_codes_left=two_factor.recovery_codes_left(user),
    )


def _recovery_codes(
    request: HttpRequest, response: HttpResponse, code: str, issue: Callable[..., list[str]]
) -> RecoveryCodesOut:
    """New recovery codes from `issue`, after a current code; shown in this answer only."""
    no_store(response)
    codes = issue(user=_staff_user(request), code=code, actor=actor(request))
    return RecoveryCodesOut(recovery_codes=codes)


@_operation("get", "/auth/2fa", out=TwoFactorOut, errors=())
def get_two_factor(request: HttpRequest):
    """The caller's two-factor authentication: on or off, required by their role or not."""
    return _two_factor_status(_staff_user(request))


@_operation("post", "/auth/2fa/enrol", out=TwoFactorEnrolmentOut)
def start_two_factor_enrolment(
    request: HttpRequest, response: HttpResponse, payload: TwoFactorEnrolIn
):
    """Start enrolling an authenticator app, with the current password (so that a stolen
    token cannot tie the account to someone else's phone): scan the QR code (or type the
    secret), then confirm with a code at `/auth/2fa/enrol/confirm`. Starting again replaces
    an unconfirmed one; `two_factor_enabled` (409) when it is on already."""
    no_store(response)
    user = _staff_user(request)
    services.verify_current_password(user=user, password=payload.password, field="password")
    device = two_factor.start_enrolment(user=user, actor=actor(request))
    return TwoFactorEnrolmentOut(
        secret=two_factor.secret_of(device),
        otpauth_url=device.config_url,
        qr_code_svg=two_factor.qr_code_svg(device),
    )


@_operation("post", "/auth/2fa/enrol/confirm", out=RecoveryCodesOut)
def confirm_two_factor_enrolment(request: HttpRequest, response: HttpResponse, payload: OtpCodeIn):
    """Turn two-factor authentication on with a code from the app (`otp_invalid` if wrong).
    The answer holds the recovery codes, shown this once. Then refresh the token if it was
    one that could only enrol."""
    return _recovery_codes(request, response, payload.code, two_factor.confirm_enrolment)


@_operation("post", "/auth/2fa/recovery-codes", out=RecoveryCodesOut)
def regenerate_recovery_codes(request: HttpRequest, response: HttpResponse, payload: OtpCodeIn):
    """New recovery codes, after a current code; the old ones stop working."""
    return _recovery_codes(request, response, payload.code, two_factor.regenerate_recovery_codes)


@_operation("post", "/auth/2fa/disable", out=TwoFactorOut)
def disable_two_factor(request: HttpRequest, payload: OtpCodeIn):
    """Switch two-factor authentication off with a current code. Refused with
    `two_factor_required` (403) when the caller's role requires it."""
    user = _staff_user(request)
    two_factor.disable_two_factor(user=user, code=payload.code, actor=actor(request))
    return _two_factor_status(user)
