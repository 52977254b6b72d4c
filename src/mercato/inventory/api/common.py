from django.http import HttpRequest

from mercato.accounts.services import actor_for
from mercato.audit.services import Actor
from mercato.core.clientip import get_client_ip


def request_actor(request: HttpRequest) -> Actor:
    return actor_for(request.auth, ip=get_client_ip(request))
