"""What every catalog handler shares: the two routers, the acting staff member, looking an
object up by its public id, and one way to declare an admin operation (`admin`)."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from mercato.accounts import operations
from mercato.accounts.actors import staff_actor
from mercato.accounts.operations import Decorator
from mercato.catalog import selectors

store_router = Router(tags=["store: catalog"])
admin_router = Router(tags=["admin: catalog"])

actor = staff_actor  # the staff member or app acting

CURRENCY = settings.STORE_CURRENCY
VIEW = "catalog.view_product"

M = TypeVar("M", bound=Model)


def get(model: type[M], public_id: UUID, code: str) -> M:
    """The object with this public id, or a 404 problem with this code."""
    return selectors.get_by_public_id(model, public_id, code=code)


class AdminOperations:
    """One way to declare an admin operation (on `admin_router`): staff with `permission`
    (one or all of several); it answers `status` with `out`, 401 and 403, and a problem for
    each of `errors`. `create`, `update` and `delete` declare the usual operations of a resource."""

    def operation(
        self, method: str, path: str, *, permission: str | tuple[str, ...] = VIEW, **options: Any
    ) -> Decorator:
        return operations.admin_operation(
            admin_router, method, path, permission=permission, **options
        )

    def create(
        self, path: str, *, out: Any, permission: str, errors: tuple[int, ...] = (409, 422)
    ) -> Decorator:
        """A POST that makes an object: it answers 201 with `out`."""
        return self.operation(
            "post", path, out=out, status=201, errors=errors, permission=permission
        )

    def update(
        self,
        path: str,
        *,
        out: Any,
        permission: str,
        method: str = "patch",
        errors: tuple[int, ...] = (404, 409, 422),
    ) -> Decorator:
        """An operation that changes the object the path names (PATCH unless said)."""
        return self.operation(method, path, out=out, errors=errors, permission=permission)

    def delete(self, path: str, *, permission: str, errors: tuple[int, ...] = (404,)) -> Decorator:
        """A DELETE: the handler deletes, the operation answers 204 with no content."""
        register = self.operation(
            "delete", path, out=None, status=204, errors=errors, permission=permission
        )

        def decorator(handler: Callable[..., None]) -> Callable[..., Status]:
            @wraps(handler)
            def deleted(request: HttpRequest, **path_params: Any) -> Status:
                handler(request, **path_params)
                return Status(204, None)

            return register(deleted)

        return decorator


admin = AdminOperations()
