from uuid import UUID

from django.db.models import QuerySet

from mercato.accounts.errors import InvalidToken
from mercato.accounts.models import ApiKey, App, AuthSession, User
from mercato.core.errors import NotFound


def list_apps() -> QuerySet[App]:
    return App.objects.prefetch_related("permissions__content_type", "keys")


def list_active_sessions(*, user: User) -> QuerySet[AuthSession]:
    return AuthSession.objects.filter(user=user, revoked_at__isnull=True).order_by("-last_used_at")


def get_app(*, public_id: UUID) -> App:
    app = list_apps().filter(public_id=public_id).first()
    if app is None:
        raise NotFound("No such app.", code="app_not_found")
    return app


def get_api_key(*, app: App, public_id: UUID) -> ApiKey:
    api_key = ApiKey.objects.filter(app=app, public_id=public_id).first()
    if api_key is None:
        raise NotFound("No such API key.", code="api_key_not_found")
    return api_key


def lock_user_for_link(public_id: str, *, invalid: str, **filters: object) -> User:
    """The active account an emailed link's token names (its public id in hex, and `filters`),
    locked for the change the link makes; `InvalidToken(invalid)` when there is none."""
    user = (
        User.objects.select_for_update()
        .filter(public_id=UUID(hex=public_id), is_active=True, **filters)
        .first()
    )
    if user is None:
        raise InvalidToken(invalid)
    return user
