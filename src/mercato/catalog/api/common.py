"""What every catalog handler shares: the two routers, the acting staff member, looking an
object up by its public id, and one way to declare an admin operation."""

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from mercato.accounts.authentication import AdminAuth
from mercato.accounts.services import actor_for
from mercato.audit.services import Actor
from mercato.catalog import selectors
from mercato.core.clientip import get_client_ip
from mercato.core.schemas import problems

store_router = Router(tags=["store: catalog"])
admin_router = Router(tags=["admin: catalog"])

CURRENCY = settings.STORE_CURRENCY
VIEW = "catalog.view_product"

M = TypeVar("M", bound=Model)


def actor(request: HttpRequest) -> Actor:
    return actor_for(request.auth, ip=get_client_ip(request))  # type: ignore[attr-defined]


def get(model: type[M], public_id: UUID, code: str) -> M:
    """The object with this public id, or a 404 problem with this code."""
    return selectors.get_by_public_id(model, public_id, code=code)


def no_content() -> Status:
    return Status(204, None)


def admin_operation(
    method: str,
    path: str,
    *,
    out: Any,
    errors: tuple[int, ...] = (),
    permission: str | tuple[str, ...] = VIEW,
    status: int = 200,
    **options: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An admin operation: staff with `permission` (one or all of several); it answers
    `status` with `out`, 401 and 403, and a problem for each of `errors`."""
    permissions = (permission,) if isinstance(permission, str) else permission
    return admin_router.api_operation(
        [method.upper()],
        path,
        response={status: out, **problems(401, 403, *errors)},
        auth=AdminAuth(*permissions),
        **options,
    )


def admin_delete(
    path: str, *, permission: str, errors: tuple[int, ...] = (404,)
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An admin DELETE operation: it answers 204 with no content (see `no_content`)."""
    return admin_operation(
        "delete", path, out=None, status=204, errors=errors, permission=permission
    )
