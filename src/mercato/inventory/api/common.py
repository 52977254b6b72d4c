"""What every inventory handler shares: the routers, the acting principal and one way to
declare an admin operation."""

from functools import partial

from django.http import HttpRequest
from ninja import Router

from mercato.accounts.authentication import principal_of
from mercato.accounts.operations import admin_list, admin_operation
from mercato.accounts.services import actor_for
from mercato.audit.services import Actor
from mercato.core.clientip import get_client_ip

store_router = Router(tags=["store: inventory"])
admin_router = Router(tags=["admin: inventory"])

operation = partial(admin_operation, admin_router)
list_operation = partial(admin_list, admin_router)


def request_actor(request: HttpRequest) -> Actor:
    return actor_for(principal_of(request), ip=get_client_ip(request))
