"""What every inventory handler shares: the routers, the acting principal and one way to
declare an admin operation."""

from functools import partial

from ninja import Router

from mercato.accounts.actors import staff_actor
from mercato.accounts.operations import admin_list, admin_operation

store_router = Router(tags=["store: inventory"])
admin_router = Router(tags=["admin: inventory"])

request_actor = staff_actor  # the staff member or app acting

operation = partial(admin_operation, admin_router)
list_operation = partial(admin_list, admin_router)
