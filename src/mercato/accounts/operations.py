"""How an admin API operation is declared, in every app's API: staff (or an app) holding the
permissions named, the answer `status` with `out`, and a problem for 401, 403 and each of
`errors`. `auth=AdminAuth(...)` and `problems(...)` written out by hand say the same."""

from collections.abc import Callable
from typing import Any

from ninja import Router

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
