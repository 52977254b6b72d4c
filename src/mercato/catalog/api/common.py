"""What every catalog handler shares: the two routers, the acting staff member, looking an
object up by its public id, and one way to declare an admin operation (`admin`)."""

from typing import TypeVar
from uuid import UUID

from django.conf import settings
from django.db.models import Model
from ninja import Router

from mercato.accounts.actors import staff_actor
from mercato.accounts.operations import AdminOperations
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


admin = AdminOperations(admin_router, view=VIEW)
