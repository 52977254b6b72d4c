"""Accounts: registering, signing in and out, tokens, passwords, email verification, staff
and app keys. Every state change of an account goes through a function here."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from mercato.accounts.authentication import (
    Principal,
    access_token_ttl,
    generate_api_key,
    issue_access_token,
    issue_refresh_token,
)
from mercato.accounts.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidToken,
    OtpInvalid,
    RefreshTokenReused,
    WeakPassword,
)
from mercato.accounts.models import ApiKey, App, AuthSession, RefreshToken, User
from mercato.accounts.selectors import lock_user_for_link
from mercato.accounts.support import confirm_email_change
from mercato.accounts.tokens import (
    read_email_change_token,
    read_email_verification_token,
    user_for_password_reset_token,
)
from mercato.accounts.two_factor import check_sign_in_code, enrolment_pending
from mercato.audit.services import Actor, audited_save, record_save, snapshot
from mercato.core import ratelimit
from mercato.core.errors import InvalidInput
from mercato.core.events import record_event
from mercato.core.inputs import UNSET, Changes, Unset

# attempts per window (seconds), per IP and per account
LOGIN_LIMITS = {"ip": (30, 60), "account": (10, 60)}
REGISTER_LIMITS = {"ip": (10, 3600), "account": (5, 3600)}
RESET_LIMITS = {"ip": (10, 3600), "account": (3, 3600)}
REFRESH_LIMITS = {"ip": (60, 60)}
VERIFY_LIMITS = {"ip": (20, 3600), "account": (3, 3600)}
CHANGE_PASSWORD_LIMITS = {"account": (10, 3600)}


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    session: AuthSession
    enrolment_only: bool = False  # a staff token that may only enrol in 2FA (its role needs it)


def _limit(scope: str, limits: dict[str, tuple[int, int]], *, ip: str, account: str = "") -> None:
    if "ip" in limits:
        ratelimit.hit(f"{scope}:ip", ip, limit=limits["ip"][0], window=limits["ip"][1])
    if account and "account" in limits:
        ratelimit.hit(
            f"{scope}:account", account, limit=limits["account"][0], window=limits["account"][1]
        )


def _check_password_strength(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise WeakPassword(
            " ".join(exc.messages),
            errors=[{"field": "password", "message": message} for message in exc.messages],
        ) from exc


def verify_current_password(*, user: User, password: str | None, field: str) -> None:
    """Check a signed-in user's password before a sensitive change. Attempts share one budget
    per account, so a stolen access token cannot be used to guess the password."""
    _limit("change_password", CHANGE_PASSWORD_LIMITS, ip="", account=str(user.public_id))
    if not password or not user.check_password(password):
        raise InvalidInput(
            "The current password is not correct.", code="invalid_current_password", field=field
        )


def actor_for(principal: Principal, *, ip: str | None, source: str = "admin_api") -> Actor:
    if principal.app is not None:
        return Actor(
            app_id=principal.app.pk, label=f"app:{principal.app.name}", ip=ip, source=source
        )
    user = cast(User, principal.user)  # a principal is a user's or an app's, never neither
    return Actor(user_id=user.pk, label=user.email, ip=ip, source=source)


# --- registration ---------------------------------------------------------------------------


def register_customer(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    marketing_opt_in: bool = False,
    ip: str,
) -> User | None:
    """Open a customer account and send a verification email.

    If the email already has an account, nothing is created and its owner is told by email
    instead; the caller cannot tell the two cases apart (None is returned then)."""
    email = User.objects.normalize_email(email)
    _limit("register", REGISTER_LIMITS, ip=ip, account=email)
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    _check_password_strength(password, candidate)
    candidate.set_password(password)  # hashed either way, so both paths take as long
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        with transaction.atomic():
            record_event("customer.duplicate_registration", user_id=existing.pk)
        return None
    candidate.marketing_opt_in = marketing_opt_in
    try:
        with transaction.atomic():
            candidate.save()
            record_event("customer.created", user_id=candidate.pk)
    except IntegrityError:  # registered concurrently a moment ago
        return None
    return candidate


# --- sessions -------------------------------------------------------------------------------


def _open_session(*, user: User, audience: str, ip: str | None, user_agent: str) -> TokenPair:
    enrolment_only = audience == AuthSession.Audience.ADMIN and enrolment_pending(user)
    with transaction.atomic():
        session = AuthSession.objects.create(
            user=user,
            audience=audience,
            expires_at=timezone.now() + timedelta(seconds=settings.REFRESH_TOKEN_TTL),
            ip_address=ip,
            user_agent=user_agent[:300],
        )
        refresh = issue_refresh_token(session)
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    access = issue_access_token(session, enrolment_only=enrolment_only)
    return TokenPair(access, refresh, access_token_ttl(audience), session, enrolment_only)


def log_in(
    *, email: str, password: str, audience: str, ip: str, user_agent: str = "", otp: str = ""
) -> TokenPair:
    """Check the credentials and open a session. Unknown email, wrong password, inactive
    account, or a customer at the admin door all give the same `invalid_credentials`.
    Staff with two-factor authentication also need `otp` (`otp_required`, `otp_invalid`; a
    wrong one counts towards the lockout as a wrong password does)."""
    email = User.objects.normalize_email(email)
    _limit("login", LOGIN_LIMITS, ip=ip, account=email)
    ratelimit.check_lockout(email)
    user = authenticate(username=email, password=password)
    if user is None or (audience == AuthSession.Audience.ADMIN and not user.is_staff):
        ratelimit.record_failure(email)
        raise InvalidCredentials()
    if audience == AuthSession.Audience.ADMIN:
        try:
            check_sign_in_code(user=user, otp=otp)
        except OtpInvalid:
            ratelimit.record_failure(email)
            raise
    ratelimit.clear_failures(email)
    return _open_session(user=user, audience=audience, ip=ip, user_agent=user_agent)


def refresh_session(*, refresh_token: str, audience: str, ip: str) -> TokenPair:
    """Rotate a refresh token: spend it, issue a new pair in the same session. A spent token
    presented again means it was copied: the whole session is revoked."""
    _limit("refresh", REFRESH_LIMITS, ip=ip)
    now = timezone.now()
    with transaction.atomic():
        token = (
            RefreshToken.objects.select_for_update()
            .select_related("session__user")
            .filter(token_hash=RefreshToken.hash(refresh_token))
            .first()
        )
        if token is None or token.session.audience != audience:
            raise InvalidRefreshToken()
        session = token.session
        if token.used_at is not None:
            reused = True
        else:
            reused = False
            spent = RefreshToken.objects.filter(pk=token.pk, used_at__isnull=True).update(
                used_at=now
            )
            if not spent:  # a concurrent refresh won the race with the same token
                reused = True
        if not reused:
            if not session.is_active or not session.user.is_active:
                raise InvalidRefreshToken("The session has ended; sign in again.")
            if session.audience == AuthSession.Audience.ADMIN and not session.user.is_staff:
                raise InvalidRefreshToken("Staff access has been withdrawn.")
            new_refresh = issue_refresh_token(session)
            AuthSession.objects.filter(pk=session.pk).update(last_used_at=now, ip_address=ip)
            enrolment_only = session.audience == AuthSession.Audience.ADMIN and (
                enrolment_pending(session.user)
            )
            return TokenPair(
                issue_access_token(session, enrolment_only=enrolment_only),
                new_refresh,
                access_token_ttl(session.audience),
                session,
                enrolment_only,
            )
    # Reuse: revoke outside the failed branch so the revocation commits.
    revoke_session(session=session, reason="refresh_token_reused")
    raise RefreshTokenReused()


def revoke_session(*, session: AuthSession, reason: str = "logout") -> None:
    AuthSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


def revoke_sessions(*, user: User, reason: str, keep: AuthSession | None = None) -> int:
    sessions = AuthSession.objects.filter(user=user, revoked_at__isnull=True)
    if keep is not None:
        sessions = sessions.exclude(pk=keep.pk)
    return sessions.update(revoked_at=timezone.now(), revoked_reason=reason)


def log_out(*, session: AuthSession) -> None:
    revoke_session(session=session, reason="logout")


# --- passwords ------------------------------------------------------------------------------


def change_password(
    *, user: User, session: AuthSession, current_password: str, new_password: str
) -> None:
    """Change the password; every other session of the account is signed out."""
    verify_current_password(user=user, password=current_password, field="current_password")
    _check_password_strength(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password", "updated_at"])
        revoke_sessions(user=user, reason="password_changed", keep=session)
        record_event("customer.password_changed", user_id=user.pk)


def request_password_reset(*, email: str, ip: str) -> None:
    """Email a reset link if the address has an active account. The answer is the same
    either way."""
    email = User.objects.normalize_email(email)
    _limit("password_reset", RESET_LIMITS, ip=ip, account=email)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is not None:
        with transaction.atomic():
            record_event("customer.password_reset_requested", user_id=user.pk)


def reset_password(*, token: str, new_password: str, ip: str) -> User:
    """Set a new password with the emailed token. The token works once (the new password
    spends it) and expires; every session of the account is signed out."""
    _limit("password_reset_confirm", {"ip": (20, 3600)}, ip=ip)
    user = user_for_password_reset_token(token)
    if user is None:
        raise InvalidToken("The password reset link is not valid or has expired.")
    _check_password_strength(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password", "updated_at"])
        revoke_sessions(user=user, reason="password_reset")
        record_event("customer.password_changed", user_id=user.pk)
    ratelimit.clear_failures(user.email)
    return user


# --- email verification ---------------------------------------------------------------------


def request_email_verification(*, user: User, ip: str) -> None:
    _limit("verify_email", VERIFY_LIMITS, ip=ip, account=user.email)
    if user.is_email_verified:
        raise InvalidInput("This email address is already verified.", code="already_verified")
    with transaction.atomic():
        record_event("customer.email_verification_requested", user_id=user.pk)


def verify_email(*, token: str, ip: str | None = None) -> User:
    """Confirm an address: the account's own (the token of a verification email), or the new
    one of an email change asked for by customer support (the token sent to that address)."""
    if read_email_change_token(token) is not None:
        return confirm_email_change(token=token, ip=ip)
    claims = read_email_verification_token(token)
    invalid = "The verification link is not valid or has expired."
    if claims is None:
        raise InvalidToken(invalid)
    public_id, email = claims
    with transaction.atomic():
        user = lock_user_for_link(public_id, invalid=invalid, email=email)
        if user.is_email_verified:
            raise InvalidToken("This link was already used.", code="token_used")
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at", "updated_at"])
        record_event("customer.email_verified", user_id=user.pk)
    return user


# --- profile --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProfileChanges(Changes):
    """The profile fields to change; those left UNSET keep their value."""

    first_name: str | Unset = UNSET
    last_name: str | Unset = UNSET
    phone: str | Unset = UNSET
    marketing_opt_in: bool | Unset = UNSET
    email: str | Unset = UNSET


def update_profile(
    *, user: User, changes: ProfileChanges, current_password: str | None = None, ip: str = ""
) -> User:
    """Change profile fields. A new email needs the current password, is verified anew, and
    the old address is told."""
    given = changes.given()
    new_email = given.pop("email", None)
    update_fields = ["updated_at"]
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        for name, value in given.items():
            setattr(user, name, value)
            update_fields.append(name)
        if new_email is not None:
            new_email = User.objects.normalize_email(new_email)
            if new_email != user.email:
                verify_current_password(
                    user=user, password=current_password, field="current_password"
                )
                if User.objects.filter(email=new_email).exclude(pk=user.pk).exists():
                    raise EmailTaken()
                old_email = user.email
                user.email = new_email
                user.email_verified_at = None
                update_fields += ["email", "email_verified_at"]
                record_event("customer.email_changed", user_id=user.pk, old_email=old_email)
        try:
            with transaction.atomic():
                user.save(update_fields=update_fields)
        except IntegrityError as exc:
            raise EmailTaken() from exc
    return user


# --- staff ----------------------------------------------------------------------------------


def create_staff_user(
    *,
    email: str,
    password: str,
    groups: Sequence[str] = (),
    superuser: bool = False,
    first_name: str = "",
    last_name: str = "",
    actor: Actor,
) -> User:
    email = User.objects.normalize_email(email)
    user = User(email=email, first_name=first_name, last_name=last_name, is_staff=True)
    _check_password_strength(password, user)
    found = list(Group.objects.filter(name__in=groups))
    if len(found) != len(set(groups)):
        missing = set(groups) - {group.name for group in found}
        raise InvalidInput(f"Unknown groups: {', '.join(sorted(missing))}.", field="groups")
    with transaction.atomic():
        if User.objects.filter(email=email).exists():
            raise EmailTaken()
        user.set_password(password)
        user.is_superuser = superuser
        user.email_verified_at = timezone.now()
        user.save()
        user.groups.set(found)
        record_save(actor=actor, obj=user, before=None, verb="staff.create")
    return user


# --- apps and API keys ----------------------------------------------------------------------


def _permissions_by_name(names: list[str]) -> list[Permission]:
    wanted = set(names)
    query = Q()
    for name in wanted:
        app_label, _, codename = name.partition(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query).select_related("content_type")) if wanted else []
    missing = wanted - {f"{p.content_type.app_label}.{p.codename}" for p in found}
    if missing:
        raise InvalidInput(
            f"Unknown permissions: {', '.join(sorted(missing))}.",
            code="unknown_permission",
            field="permissions",
        )
    return found


def _check_no_escalation(creator: Principal | None, permissions: list[str], message: str) -> None:
    if creator is not None and not creator.has_perms(*permissions):
        raise InvalidInput(message, code="permission_escalation", field="permissions")


def _app_permission_names(app: App) -> list[str]:
    return [
        f"{app_label}.{codename}"
        for app_label, codename in app.permissions.values_list(
            "content_type__app_label", "codename"
        )
    ]


def create_app(*, name: str, permissions: list[str], actor: Actor, creator: Principal) -> App:
    """An app may be given only permissions its creator holds."""
    found = _permissions_by_name(permissions)
    _check_no_escalation(
        creator, permissions, "You can only give an app permissions you hold yourself."
    )
    with transaction.atomic():
        app = App.objects.create(name=name, created_by=creator.user)
        app.permissions.set(found)
        record_save(actor=actor, obj=app, before=None, verb="app.create")
    return app


def update_app(
    *,
    app: App,
    actor: Actor,
    creator: Principal,
    name: str | None = None,
    is_active: bool | None = None,
    permissions: list[str] | None = None,
) -> App:
    """Rename, (de)activate or re-scope an app; new permissions must be held by `creator`."""
    if permissions is not None:
        found = _permissions_by_name(permissions)
        _check_no_escalation(
            creator, permissions, "You can only give an app permissions you hold yourself."
        )
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app.pk)
        before = snapshot(app)
        if name is not None:
            app.name = name
        if is_active is not None:
            app.is_active = is_active
        app.save()
        if permissions is not None:
            app.permissions.set(found)
        record_save(actor=actor, obj=app, before=before, verb="app.update")
    return app


def create_api_key(
    *, app: App, name: str = "", actor: Actor, creator: Principal | None = None
) -> tuple[ApiKey, str]:
    """A new key for the app; the secret is returned here and never again. A key acts with
    every permission of its app, so `creator` (the caller, when a person or an app asks) must
    hold them all; None is for trusted callers (commands, the system)."""
    _check_no_escalation(
        creator,
        _app_permission_names(app),
        "You can only make keys for an app whose permissions you hold yourself.",
    )
    secret, prefix, key_hash = generate_api_key()
    with transaction.atomic():
        api_key = ApiKey.objects.create(app=app, name=name, prefix=prefix, key_hash=key_hash)
        record_save(actor=actor, obj=api_key, before=None, verb="apikey.create")
    return api_key, secret


def revoke_api_key(*, api_key: ApiKey, actor: Actor) -> ApiKey:
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if api_key.revoked_at is not None:
            return api_key
        before = snapshot(api_key)
        api_key.revoked_at = timezone.now()
        audited_save(
            api_key, actor=actor, before=before, verb="apikey.revoke", update_fields=["revoked_at"]
        )
    return api_key
