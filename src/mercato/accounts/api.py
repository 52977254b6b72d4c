from typing import cast
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.responses import Status

from mercato.accounts import selectors, services, two_factor
from mercato.accounts.authentication import (
    AdminAuth,
    customer_auth,
    principal_of,
    signed_in_user,
)
from mercato.accounts.models import ApiKey, AuthSession, User
from mercato.accounts.roles import two_factor_required
from mercato.accounts.schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    AppIn,
    AppOut,
    AppPatch,
    ChangePasswordIn,
    LoginIn,
    OtpCodeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    PrincipalOut,
    RecoveryCodesOut,
    RefreshIn,
    RegisterIn,
    StaffLoginIn,
    StaffTokenOut,
    TokenOut,
    TwoFactorEnrolIn,
    TwoFactorEnrolmentOut,
    TwoFactorOut,
    VerifyEmailIn,
)
from mercato.audit.services import Actor
from mercato.core.clientip import get_client_ip
from mercato.core.errors import PermissionDenied
from mercato.core.schemas import Message, problems

store_router = Router(tags=["store: account"])
admin_router = Router(tags=["admin: access"])

REGISTERED = (
    "If this email can be registered, the account is ready: sign in. "
    "A confirmation email is on its way."
)
RESET_SENT = "If an account uses this email, a password reset link is on its way."


def _tokens(pair: services.TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


# --- store: customers -----------------------------------------------------------------------


@store_router.post("/auth/register", response={202: Message, **problems(400, 422, 429)}, auth=None)
def register(request: HttpRequest, payload: RegisterIn):
    """Open a customer account. The answer is the same whether or not the email is taken
    (the owner of a taken address is told by email), so it cannot be used to probe emails."""
    services.register_customer(**payload.dict(), ip=get_client_ip(request))
    return Status(202, Message(detail=REGISTERED))


@store_router.post("/auth/login", response={200: TokenOut, **problems(401, 422, 429)}, auth=None)
def login(request: HttpRequest, response: HttpResponse, payload: LoginIn):
    """Sign in: a short-lived access token and a refresh token."""
    response["Cache-Control"] = "no-store"  # it carries secrets (RFC 6749 §5.1)
    pair = services.log_in(
        email=payload.email,
        password=payload.password,
        audience=AuthSession.Audience.STORE,
        ip=get_client_ip(request),
        user_agent=_user_agent(request),
    )
    return _tokens(pair)


@store_router.post("/auth/refresh", response={200: TokenOut, **problems(401, 422, 429)}, auth=None)
def refresh(request: HttpRequest, response: HttpResponse, payload: RefreshIn):
    """Swap a refresh token for a new pair. Each refresh token works once; presenting a used
    one ends the session (it was copied)."""
    response["Cache-Control"] = "no-store"  # it carries secrets (RFC 6749 §5.1)
    pair = services.refresh_session(
        refresh_token=payload.refresh_token,
        audience=AuthSession.Audience.STORE,
        ip=get_client_ip(request),
    )
    return _tokens(pair)


@store_router.post("/auth/logout", response={204: None, **problems(401)}, auth=customer_auth)
def logout(request: HttpRequest):
    """End this session: its access and refresh tokens stop working."""
    # an access token's principal (CustomerAuth takes no API key), so it has a session
    services.log_out(session=cast(AuthSession, principal_of(request).session))
    return Status(204, None)


@store_router.post(
    "/auth/password/change", response={204: None, **problems(401, 422)}, auth=customer_auth
)
def change_password(request: HttpRequest, payload: ChangePasswordIn):
    """Change the password; every other session is signed out."""
    principal = principal_of(request)
    services.change_password(
        user=signed_in_user(request),
        session=cast(AuthSession, principal.session),  # an access token's, so never None
        current_password=payload.current_password,
        new_password=payload.new_password,
    )
    return Status(204, None)


@store_router.post("/auth/password/reset", response={202: Message, **problems(422, 429)}, auth=None)
def request_password_reset(request: HttpRequest, payload: PasswordResetIn):
    """Email a password reset link. Same answer whether or not the email has an account."""
    services.request_password_reset(email=payload.email, ip=get_client_ip(request))
    return Status(202, Message(detail=RESET_SENT))


@store_router.post(
    "/auth/password/reset/confirm", response={204: None, **problems(400, 422, 429)}, auth=None
)
def confirm_password_reset(request: HttpRequest, payload: PasswordResetConfirmIn):
    """Set a new password with the emailed token (single use); all sessions are signed out."""
    services.reset_password(
        token=payload.token, new_password=payload.new_password, ip=get_client_ip(request)
    )
    return Status(204, None)


@store_router.post(
    "/auth/email/verification",
    response={202: Message, **problems(401, 422, 429)},
    auth=customer_auth,
)
def request_email_verification(request: HttpRequest):
    """Send the email verification link again."""
    services.request_email_verification(user=signed_in_user(request), ip=get_client_ip(request))
    return Status(202, Message(detail="A confirmation email is on its way."))


@store_router.post(
    "/auth/email/verify", response={200: Message, **problems(400, 409, 422)}, auth=None
)
def verify_email(request: HttpRequest, payload: VerifyEmailIn):
    """Confirm an email address with the emailed token (single use): a verification email's,
    or the one sent to the new address of an email change asked for by customer support."""
    services.verify_email(token=payload.token, ip=get_client_ip(request))
    return Message(detail="Your email address is confirmed.")


# --- admin: staff sign-in -------------------------------------------------------------------


def _staff_tokens(pair: services.TokenPair) -> StaffTokenOut:
    return StaffTokenOut(**_tokens(pair).dict(), enrolment_required=pair.enrolment_only)


@admin_router.post(
    "/auth/login", response={200: StaffTokenOut, **problems(401, 422, 429)}, auth=None
)
def staff_login(request: HttpRequest, response: HttpResponse, payload: StaffLoginIn):
    """Staff sign in to the admin API. Customers get `invalid_credentials` here. Staff with
    two-factor authentication send `otp` too: without it `otp_required` (401), a wrong or
    used one `otp_invalid` (401, counted like a wrong password)."""
    response["Cache-Control"] = "no-store"  # it carries secrets (RFC 6749 §5.1)
    pair = services.log_in(
        email=payload.email,
        password=payload.password,
        audience=AuthSession.Audience.ADMIN,
        ip=get_client_ip(request),
        user_agent=_user_agent(request),
        otp=payload.otp,
    )
    return _staff_tokens(pair)


@admin_router.post(
    "/auth/refresh", response={200: StaffTokenOut, **problems(401, 422, 429)}, auth=None
)
def staff_refresh(request: HttpRequest, response: HttpResponse, payload: RefreshIn):
    """Swap a refresh token for a new pair (after enrolling in 2FA: one that works fully)."""
    response["Cache-Control"] = "no-store"  # it carries secrets (RFC 6749 §5.1)
    pair = services.refresh_session(
        refresh_token=payload.refresh_token,
        audience=AuthSession.Audience.ADMIN,
        ip=get_client_ip(request),
    )
    return _staff_tokens(pair)


@admin_router.post(
    "/auth/logout",
    response={204: None, **problems(401, 403)},
    auth=AdminAuth(during_enrolment=True),
)
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


# --- admin: staff two-factor authentication ------------------------------------------------

staff_2fa_auth = AdminAuth(during_enrolment=True)


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


@admin_router.get(
    "/auth/2fa", response={200: TwoFactorOut, **problems(401, 403)}, auth=staff_2fa_auth
)
def get_two_factor(request: HttpRequest):
    """The caller's two-factor authentication: on or off, required by their role or not."""
    return _two_factor_status(_staff_user(request))


@admin_router.post(
    "/auth/2fa/enrol",
    response={200: TwoFactorEnrolmentOut, **problems(401, 403, 409, 422, 429)},
    auth=staff_2fa_auth,
)
def start_two_factor_enrolment(
    request: HttpRequest, response: HttpResponse, payload: TwoFactorEnrolIn
):
    """Start enrolling an authenticator app, with the current password (so that a stolen
    token cannot tie the account to someone else's phone): scan the QR code (or type the
    secret), then confirm with a code at `/auth/2fa/enrol/confirm`. Starting again replaces
    an unconfirmed one; `two_factor_enabled` (409) when it is on already."""
    response["Cache-Control"] = "no-store"
    user = _staff_user(request)
    services.verify_current_password(user=user, password=payload.password, field="password")
    device = two_factor.start_enrolment(user=user, actor=_actor(request))
    return TwoFactorEnrolmentOut(
        secret=two_factor.secret_of(device),
        otpauth_url=device.config_url,
        qr_code_svg=two_factor.qr_code_svg(device),
    )


@admin_router.post(
    "/auth/2fa/enrol/confirm",
    response={200: RecoveryCodesOut, **problems(401, 403, 409, 422, 429)},
    auth=staff_2fa_auth,
)
def confirm_two_factor_enrolment(request: HttpRequest, response: HttpResponse, payload: OtpCodeIn):
    """Turn two-factor authentication on with a code from the app (`otp_invalid` if wrong).
    The answer holds the recovery codes, shown this once. Then refresh the token if it was
    one that could only enrol."""
    response["Cache-Control"] = "no-store"
    codes = two_factor.confirm_enrolment(
        user=_staff_user(request), code=payload.code, actor=_actor(request)
    )
    return RecoveryCodesOut(recovery_codes=codes)


@admin_router.post(
    "/auth/2fa/recovery-codes",
    response={200: RecoveryCodesOut, **problems(401, 403, 409, 422, 429)},
    auth=staff_2fa_auth,
)
def regenerate_recovery_codes(request: HttpRequest, response: HttpResponse, payload: OtpCodeIn):
    """New recovery codes, after a current code; the old ones stop working."""
    response["Cache-Control"] = "no-store"
    codes = two_factor.regenerate_recovery_codes(
        user=_staff_user(request), code=payload.code, actor=_actor(request)
    )
    return RecoveryCodesOut(recovery_codes=codes)


@admin_router.post(
    "/auth/2fa/disable",
    response={200: TwoFactorOut, **problems(401, 403, 409, 422, 429)},
    auth=staff_2fa_auth,
)
def disable_two_factor(request: HttpRequest, payload: OtpCodeIn):
    """Switch two-factor authentication off with a current code. Refused with
    `two_factor_required` (403) when the caller's role requires it."""
    user = _staff_user(request)
    two_factor.disable_two_factor(user=user, code=payload.code, actor=_actor(request))
    return _two_factor_status(user)


# --- admin: apps and API keys ---------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return services.actor_for(principal_of(request), ip=get_client_ip(request))


@admin_router.get(
    "/apps", response={200: list[AppOut], **problems(401, 403)}, auth=AdminAuth("accounts.view_app")
)
def list_apps(request: HttpRequest):
    """Apps with their permissions and keys (never the secrets)."""
    return list(selectors.list_apps())


@admin_router.post(
    "/apps", response={201: AppOut, **problems(401, 403, 422)}, auth=AdminAuth("accounts.add_app")
)
def create_app(request: HttpRequest, payload: AppIn):
    """Register an app. It can be given only permissions the caller holds."""
    app = services.create_app(
        name=payload.name,
        permissions=payload.permissions,
        actor=_actor(request),
        creator=principal_of(request),
    )
    return Status(201, selectors.get_app(public_id=app.public_id))


@admin_router.get(
    "/apps/{app_id}",
    response={200: AppOut, **problems(401, 403, 404)},
    auth=AdminAuth("accounts.view_app"),
)
def get_app(request: HttpRequest, app_id: UUID):
    return selectors.get_app(public_id=app_id)


@admin_router.patch(
    "/apps/{app_id}",
    response={200: AppOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("accounts.change_app"),
)
def update_app(request: HttpRequest, app_id: UUID, payload: AppPatch):
    """Rename, deactivate (its keys stop working) or change the permissions of an app."""
    app = services.update_app(
        app=selectors.get_app(public_id=app_id),
        actor=_actor(request),
        creator=principal_of(request),
        **payload.dict(exclude_unset=True),
    )
    return selectors.get_app(public_id=app.public_id)


@admin_router.post(
    "/apps/{app_id}/keys",
    response={201: ApiKeyCreatedOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("accounts.add_apikey"),
)
def create_api_key(request: HttpRequest, response: HttpResponse, app_id: UUID, payload: ApiKeyIn):
    """A new API key. The `key` is in this response only: store it now."""
    response["Cache-Control"] = "no-store"  # it carries secrets (RFC 6749 §5.1)
    api_key, secret = services.create_api_key(
        app=selectors.get_app(public_id=app_id),
        name=payload.name,
        actor=_actor(request),
        creator=principal_of(request),
    )
    out = ApiKeyOut.model_validate(api_key, from_attributes=True)
    return Status(201, ApiKeyCreatedOut(**out.dict(by_alias=True), key=secret))


@admin_router.post(
    "/apps/{app_id}/keys/{key_id}/revoke",
    response={200: ApiKeyOut, **problems(401, 403, 404)},
    auth=AdminAuth("accounts.change_apikey"),
)
def revoke_api_key(request: HttpRequest, app_id: UUID, key_id: UUID):
    """Revoke a key at once. Revoking twice is harmless."""
    app = selectors.get_app(public_id=app_id)
    api_key: ApiKey = services.revoke_api_key(
        api_key=selectors.get_api_key(app=app, public_id=key_id), actor=_actor(request)
    )
    return ApiKeyOut.model_validate(api_key, from_attributes=True)
