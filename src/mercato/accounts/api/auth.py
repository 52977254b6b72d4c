"""Store: customers open an account, sign in and out, and look after their password and
email."""

from typing import cast

from django.http import HttpRequest, HttpResponse
from ninja.responses import Status

from mercato.accounts import services
from mercato.accounts.api.common import refresh_pair, sign_in, store_router, tokens
from mercato.accounts.authentication import customer_auth, principal_of, signed_in_user
from mercato.accounts.models import AuthSession
from mercato.accounts.schemas import (
    ChangePasswordIn,
    LoginIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    RegisterIn,
    TokenOut,
    VerifyEmailIn,
)
from mercato.core.clientip import get_client_ip
from mercato.core.schemas import Message, problems

REGISTERED = (
    "If this email can be registered, the account is ready: sign in. "
    "A confirmation email is on its way."
)
RESET_SENT = "If an account uses this email, a password reset link is on its way."


@store_router.post("/auth/register", response={202: Message, **problems(400, 422, 429)}, auth=None)
def register(request: HttpRequest, payload: RegisterIn):
    """Open a customer account. The answer is the same whether or not the email is taken
    (the owner of a taken address is told by email), so it cannot be used to probe emails."""
    services.register_customer(**payload.dict(), ip=get_client_ip(request))
    return Status(202, Message(detail=REGISTERED))


@store_router.post("/auth/login", response={200: TokenOut, **problems(401, 422, 429)}, auth=None)
def login(request: HttpRequest, response: HttpResponse, payload: LoginIn):
    """Sign in: a short-lived access token and a refresh token."""
    pair = sign_in(request, response, AuthSession.Audience.STORE, payload)
    return tokens(pair)


@store_router.post("/auth/refresh", response={200: TokenOut, **problems(401, 422, 429)}, auth=None)
def refresh(request: HttpRequest, response: HttpResponse, payload: RefreshIn):
    """Swap a refresh token for a new pair. Each refresh token works once; presenting a used
    one ends the session (it was copied)."""
    pair = refresh_pair(
        request, response, audience=AuthSession.Audience.STORE, refresh_token=payload.refresh_token
    )
    return tokens(pair)


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
