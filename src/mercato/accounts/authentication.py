"""Who is calling: access tokens for customers and staff, API keys for apps, and the one
permission check every admin endpoint uses.

An access token is a signed, short-lived reference to an AuthSession, so it is checked with
one query and dies the moment its session is revoked. An API key is `mk_<prefix>_<secret>`;
only the prefix and a SHA-256 of the whole key are stored.
"""

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from mercato.accounts.errors import OtpEnrolmentRequired
from mercato.accounts.models import ApiKey, App, AuthSession, RefreshToken, User
from mercato.core.clientip import get_client_ip
from mercato.core.errors import NotAuthenticated, PermissionDenied

ACCESS_SALT = "mercato.accounts.access"
API_KEY_PREFIX = "mk_"
LAST_USED_RESOLUTION = timedelta(seconds=60)


@dataclass
class Principal:
    """The authenticated caller: a user through a session, or an app through an API key."""

    user: User | None = None
    session: AuthSession | None = None
    app: App | None = None
    api_key: ApiKey | None = None
    # A staff token issued before its holder enrolled in the 2FA their role requires: it may
    # only enrol (AdminAuth(during_enrolment=True)), see accounts/two_factor.py.
    enrolment_only: bool = False
    _perms: set[str] | None = field(default=None, repr=False)

    @property
    def identity(self) -> str:
        if self.user:
            return f"user:{self.user.pk}"
        app = cast(App, self.app)  # a principal is a user's or an app's, never neither
        return f"app:{app.pk}"

    @property
    def is_staff(self) -> bool:
        return bool(self.app or (self.user and self.user.is_staff))

    def permissions(self) -> set[str]:
        if self._perms is None:
            if self.app is not None:
                self._perms = {
                    f"{app_label}.{codename}"
                    for app_label, codename in self.app.permissions.values_list(
                        "content_type__app_label", "codename"
                    )
                }
            elif self.user is not None and self.user.is_superuser:
                self._perms = {"*"}
            elif self.user is not None:
                self._perms = set(self.user.get_all_permissions())
            else:
                self._perms = set()
        return self._perms

    def has_perms(self, *perms: str) -> bool:
        granted = self.permissions()
        return "*" in granted or all(perm in granted for perm in perms)


# --- access tokens --------------------------------------------------------------------------


def issue_access_token(session: AuthSession, *, enrolment_only: bool = False) -> str:
    claims: dict[str, str | int] = {"s": str(session.public_id), "a": session.audience}
    if enrolment_only:
        claims["e"] = 1
    return signing.dumps(claims, salt=ACCESS_SALT)


def issue_refresh_token(session: AuthSession) -> str:
    token = secrets.token_urlsafe(32)
    RefreshToken.objects.create(session=session, token_hash=RefreshToken.hash(token))
    return token


def access_token_ttl(audience: str) -> int:
    return (
        settings.STAFF_TOKEN_TTL
        if audience == AuthSession.Audience.ADMIN
        else settings.ACCESS_TOKEN_TTL
    )


def authenticate_access_token(token: str, *, audience: str) -> Principal:
    try:
        claims = signing.loads(token, salt=ACCESS_SALT, max_age=access_token_ttl(audience))
    except signing.SignatureExpired as exc:
        raise NotAuthenticated(
            "The access token has expired; refresh it.", code="token_expired"
        ) from exc
    except signing.BadSignature as exc:
        raise NotAuthenticated("The access token is not valid.", code="invalid_token") from exc
    if not isinstance(claims, dict) or claims.get("a") != audience:
        raise NotAuthenticated("This token is not for this API.", code="invalid_token")
    session = (
        AuthSession.objects.select_related("user")
        .filter(
            public_id=cast(str, claims.get("s")),  # signed by issue_access_token: always there
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if session is None or not session.user.is_active:
        raise NotAuthenticated("The session has ended; sign in again.", code="session_revoked")
    if audience == AuthSession.Audience.ADMIN and not session.user.is_staff:
        raise NotAuthenticated("Staff access has been withdrawn.", code="session_revoked")
    return Principal(user=session.user, session=session, enrolment_only=bool(claims.get("e")))


# --- API keys -------------------------------------------------------------------------------


def generate_api_key() -> tuple[str, str, str]:
    """A new key: (the whole key to show once, its prefix, its hash)."""
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, RefreshToken.hash(key)


def authenticate_api_key(key: str, *, ip: str | None) -> Principal:
    try:
        prefix = key[len(API_KEY_PREFIX) :].split("_", 1)[0]
    except (IndexError, AttributeError):
        prefix = ""
    api_key = (
        ApiKey.objects.select_related("app").filter(prefix=prefix, revoked_at__isnull=True).first()
        if prefix
        else None
    )
    if (
        api_key is None
        or not hmac.compare_digest(api_key.key_hash, RefreshToken.hash(key))
        or not api_key.app.is_active
    ):
        raise NotAuthenticated("The API key is not valid or was revoked.", code="invalid_api_key")
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now, last_used_ip=ip)
    return Principal(app=api_key.app, api_key=api_key)


# --- request plumbing -----------------------------------------------------------------------


class _Request(HttpRequest):
    """What the auth classes below put on a request, which HttpRequest's type does not know
    (for mypy only, through cast: requests stay plain HttpRequests)."""

    auth: Principal  # set by ninja to what CustomerAuth/AdminAuth returned
    principal: Principal | None
    _mercato_principal: tuple[str, Principal]  # resolve_principal's cache: (audience, caller)


def bearer_token(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def resolve_principal(request: HttpRequest, *, audience: str) -> Principal:
    """The caller of an API request (cached on the request), or NotAuthenticated."""
    cached = getattr(request, "_mercato_principal", None)
    if cached is not None and cached[0] == audience:
        return cached[1]
    token = bearer_token(request)
    if token is None:
        raise NotAuthenticated("A valid access token is required (Authorization: Bearer …).")
    if token.startswith(API_KEY_PREFIX):
        if audience != AuthSession.Audience.ADMIN:
            raise NotAuthenticated("API keys are for the admin API.", code="invalid_token")
        principal = authenticate_api_key(token, ip=get_client_ip(request))
    else:
        principal = authenticate_access_token(token, audience=audience)
    cast(_Request, request)._mercato_principal = (audience, principal)
    return principal


def idempotency_caller(request: HttpRequest) -> str:
    """The idempotency scope of a request: its principal ("user:12", "app:3"), or for a guest
    the client's address ("anonymous:203.0.113.9"), so two guests' keys never meet."""
    audience = (
        AuthSession.Audience.ADMIN
        if request.path.startswith("/api/admin/")
        else AuthSession.Audience.STORE
    )
    anonymous = f"anonymous:{get_client_ip(request)}"[:100]
    if bearer_token(request) is None:
        return anonymous
    try:
        return resolve_principal(request, audience=audience).identity
    except NotAuthenticated:
        return anonymous


def _set_principal(request: HttpRequest, principal: Principal | None) -> None:
    cast(_Request, request).principal = principal


def principal_of(request: HttpRequest) -> Principal:
    """The caller of an endpoint behind CustomerAuth or AdminAuth. ninja keeps what the auth
    class returned on `request.auth`, untyped; these classes always return a Principal."""
    return cast(_Request, request).auth


def signed_in_user(request: HttpRequest) -> User:
    """The user of an endpoint behind CustomerAuth (an access token always names one)."""
    user = principal_of(request).user
    if user is None:  # an app's API key, which CustomerAuth refuses
        raise NotAuthenticated("A valid access token is required (Authorization: Bearer …).")
    return user


def admin_site_user(request: HttpRequest) -> User:
    """The signed-in staff member of a back-office (Django admin) request, where only such
    a user gets through (the admin site's login check, or `_is_staff` in admin_two_factor):
    `request.user` is typed User | AnonymousUser."""
    return cast(User, request.user)


class CustomerAuth(HttpBearer):
    """A customer's access token (from /api/store/auth/login)."""

    openapi_description = "A customer access token from `POST /api/store/auth/login`."

    def __call__(self, request: HttpRequest) -> Any:
        principal = resolve_principal(request, audience=AuthSession.Audience.STORE)
        _set_principal(request, principal)
        return principal

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        raise NotImplementedError  # __call__ does the work


class OptionalCustomerAuth(CustomerAuth):
    """A customer token if one is sent; anonymous shoppers pass too (request.principal None)."""

    def __call__(self, request: HttpRequest) -> Any:
        if bearer_token(request) is None:
            _set_principal(request, None)
            return True
        return super().__call__(request)


class AdminAuth(HttpBearer):
    """A staff access token (from /api/admin/auth/login) or an app API key (`mk_…`) holding
    every permission named: `auth=AdminAuth("accounts.view_user")`. This is the one permission
    check of the admin API; every admin endpoint declares its permissions through it."""

    openapi_description = (
        "A staff access token from `POST /api/admin/auth/login`, or an app API key (`mk_…`)."
    )

    def __init__(self, *permissions: str, during_enrolment: bool = False) -> None:
        super().__init__()
        self.permissions = permissions
        self.during_enrolment = during_enrolment  # open to a token that may only enrol in 2FA

    def __call__(self, request: HttpRequest) -> Any:
        principal = resolve_principal(request, audience=AuthSession.Audience.ADMIN)
        if principal.enrolment_only and not self.during_enrolment:
            raise OtpEnrolmentRequired(
                "Your role requires two-factor authentication: enrol first "
                "(POST /api/admin/auth/2fa/enrol), then refresh the token."
            )
        if not principal.has_perms(*self.permissions):
            raise PermissionDenied(
                "You do not have the permission this needs.", required=list(self.permissions)
            )
        _set_principal(request, principal)
        return principal

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        raise NotImplementedError


customer_auth = CustomerAuth()
optional_customer_auth = OptionalCustomerAuth()
