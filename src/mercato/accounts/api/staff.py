"""Admin: staff sign in and out, and who the caller is."""

from typing import cast

from django.http import HttpRequest, HttpResponse
from ninja.responses import Status

from mercato.accounts import services
from mercato.accounts.api.common import admin_router, refresh_pair, sign_in, tokens
from mercato.accounts.authentication import AdminAuth, principal_of
from mercato.accounts.models import AuthSession, User
from mercato.accounts.operations import admin_operation
from mercato.accounts.schemas import PrincipalOut, RefreshIn, StaffLoginIn, StaffTokenOut
from mercato.core.schemas import problems


def _staff_tokens(pair: services.TokenPair) -> StaffTokenOut:
    return StaffTokenOut(**tokens(pair).dict(), enrolment_required=pair.enrolment_only)


@admin_router.post(
    "/auth/login", response={200: StaffTokenOut, **problems(401, 422, 429)}, auth=None
)
def staff_login(request: HttpRequest, response: HttpResponse, payload: StaffLoginIn):
    """Staff sign in to the admin API. Customers get `invalid_credentials` here. Staff with
    two-factor authentication send `otp` too: without it `otp_required` (401), a wrong or
    used one `otp_invalid` (401, counted like a wrong password)."""
    pair = sign_in(request, response, AuthSession.Audience.ADMIN, payload)
    return _staff_tokens(pair)


@admin_router.post(
    "/auth/refresh", response={200: StaffTokenOut, **problems(401, 422, 429)}, auth=None
)
def staff_refresh(request: HttpRequest, response: HttpResponse, payload: RefreshIn):
    """Swap a refresh token for a new pair (after enrolling in 2FA: one that works fully)."""
    pair = refresh_pair(
        request, response, audience=AuthSession.Audience.ADMIN, refresh_token=payload.refresh_token
    )
    return _staff_tokens(pair)


@admin_operation(admin_router, "post", "/auth/logout", out=None, status=204, during_enrolment=True)
def staff_logout(request: HttpRequest):
    """End this staff session (API keys are revoked under /apps instead)."""
    session = principal_of(request).session
    if session is not None:
        services.log_out(session=session)
    return Status(204, None)


@admin_router.get(
    "/me", response={200: PrincipalOut, **problems(401)}, auth=AdminAuth(during_enrolment=True)
)
def who_am_i(request: HttpRequest):
    """The caller: a staff member or an app, with the permissions it holds."""
    principal = principal_of(request)
    permissions = sorted(principal.permissions())
    if principal.app is not None:
        return PrincipalOut(
            kind="app",
            app_id=principal.app.public_id,
            app_name=principal.app.name,
            permissions=permissions,
        )
    user = cast(User, principal.user)  # not an app's principal, so a staff member's
    return PrincipalOut.model_validate(
        {
            "kind": "staff",
            "staff": {
                "public_id": user.public_id,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "is_superuser": user.is_superuser,
                "permissions": permissions,
            },
            "permissions": permissions,
        }
    )
