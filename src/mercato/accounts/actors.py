"""Who is acting, read from a request: the audit `Actor` the API handlers pass to services."""

from django.http import HttpRequest

from mercato.accounts.authentication import principal_of
from mercato.accounts.services import actor_for
from mercato.audit.services import Actor
from mercato.core.clientip import get_client_ip


def staff_actor(request: HttpRequest) -> Actor:
    """The staff member or app behind an AdminAuth endpoint."""
    return actor_for(principal_of(request), ip=get_client_ip(request))


def shopper_actor(request: HttpRequest) -> Actor:
    """The customer signed in on a store endpoint, or "guest" (a guest holding an order's or
    a cart's token)."""
    principal = getattr(request, "principal", None)
    user = principal.user if principal is not None else None
    return Actor(
        user_id=user.pk if user else None,
        label=user.email if user else "guest",
        ip=get_client_ip(request),
        source="store_api",
    )
