"""What every accounts handler shares: the routers, the acting principal, the token pair
answer and the header that keeps secrets out of caches."""

from django.http import HttpRequest, HttpResponse
from ninja import Router

from mercato.accounts import services
from mercato.accounts.actors import staff_actor
from mercato.accounts.schemas import LoginIn, TokenOut
from mercato.core.clientip import get_client_ip

store_router = Router(tags=["store: account"])
admin_router = Router(tags=["admin: access"])

actor = staff_actor  # the staff member or app acting
audit_router = Router(tags=["admin: audit log"])


def no_store(response: HttpResponse) -> None:
    """An answer that carries secrets is never cached (RFC 6749 §5.1)."""
    response["Cache-Control"] = "no-store"


def tokens(pair: services.TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


def sign_in(
    request: HttpRequest, response: HttpResponse, audience: str, credentials: LoginIn
) -> services.TokenPair:
    """Sign in to `audience` with the email and password (staff: and the otp) given."""
    no_store(response)
    return services.log_in(
        **credentials.dict(),
        audience=audience,
        ip=get_client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def refresh_pair(
    request: HttpRequest, response: HttpResponse, *, audience: str, refresh_token: str
) -> services.TokenPair:
    """Swap a refresh token of `audience` for a new pair."""
    no_store(response)
    return services.refresh_session(
        refresh_token=refresh_token, audience=audience, ip=get_client_ip(request)
    )
