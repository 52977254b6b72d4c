"""How an admin API operation is declared, in every app's API: staff (or an app) holding the
permissions named, the answer `status` with `out`, and a problem for 401, 403 and each of
`errors`. `auth=AdminAuth(...)` and `problems(...)` written out by hand say the same."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from mercato.accounts.authentication import AdminAuth
from mercato.core.schemas import problems

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def admin_operation(
    router: Router,
    method: str,
    path: str,
    *,
    out: Any,
    permission: str | tuple[str, ...] = (),
    errors: tuple[int, ...] = (),
    status: int = 200,
    during_enrolment: bool = False,
    **options: Any,
) -> Decorator:
    """An operation of `router` open to staff with `permission` (one or all of several;
    none: any staff member), answering `status` with `out`, 401, 403 and each of `errors`.
    `during_enrolment`: open too to a token that may only enrol in two-factor authentication."""
    permissions = (permission,) if isinstance(permission, str) else permission
    return router.api_operation(
        [method.upper()],
        path,
        response={status: out, **problems(401, 403, *errors)},
        auth=AdminAuth(*permissions, during_enrolment=during_enrolment),
        **options,
    )


def admin_list(
    router: Router, path: str, *, page: Any, permission: str, **options: Any
) -> Decorator:
    """A paginated admin list (GET): `page` with its filters' 422 for bad ones."""
    return admin_operation(
        router, "get", path, out=page, permission=permission, errors=(422,), **options
    )


class AdminOperations:
    """The admin operations of one router, declared through `admin_operation`; `view` is the
    permission an operation needs when it names none. `create`, `update` and `delete` declare
    the usual operations of a resource."""

    def __init__(self, router: Router, *, view: str | tuple[str, ...] = ()) -> None:
        self.router = router
        self.view = view

    def operation(
        self, method: str, path: str, *, permission: str | tuple[str, ...] = (), **options: Any
    ) -> Decorator:
        return admin_operation(
            self.router, method, path, permission=permission or self.view, **options
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

    def resource(self, permission_name: str) -> "ResourceOperations":
        """The operations of one resource whose permissions are Django's four
        (`app.view_model`, `app.add_model`, `app.change_model`, `app.delete_model`)."""
        return ResourceOperations(self, permission_name)


class ResourceOperations:
    """Read, create, update and delete operations of one resource; `permission_name` is
    `app.model` (e.g. `pricing.voucher`), each operation asks for its Django permission."""

    def __init__(self, operations: AdminOperations, permission_name: str) -> None:
        self.operations = operations
        self.app, self.model = permission_name.split(".")

    def _permission(self, action: str) -> str:
        return f"{self.app}.{action}_{self.model}"

    def read(self, path: str, *, out: Any, errors: tuple[int, ...] = ()) -> Decorator:
        """A GET: the object the path names (give 404) or a list (give 422 for its filters)."""
        return self.operations.operation(
            "get", path, out=out, errors=errors, permission=self._permission("view")
        )

    def create(self, path: str, *, out: Any, errors: tuple[int, ...] = (422,)) -> Decorator:
        return self.operations.create(
            path, out=out, errors=errors, permission=self._permission("add")
        )

    def update(
        self, path: str, *, out: Any, errors: tuple[int, ...] = (404, 422), method: str = "patch"
    ) -> Decorator:
        return self.operations.update(
            path, out=out, errors=errors, method=method, permission=self._permission("change")
        )

    def delete(self, path: str, *, errors: tuple[int, ...] = (404,)) -> Decorator:
        return self.operations.delete(path, errors=errors, permission=self._permission("delete"))
