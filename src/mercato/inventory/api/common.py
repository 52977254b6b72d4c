from django.http import HttpRequest

from mercato.accounts.authentication import principal_of
from mercato.accounts.services import actor_for
from mercato.audit.services import Actor
from mercato.core.clientip import get_client_ip


def request_actor(request: HttpRequest) -> Actor:
    return actor_for(principal_of(request), ip=get_client_ip(request))
