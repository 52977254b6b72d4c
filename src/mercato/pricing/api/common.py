"""What every pricing handler shares: the two routers, the acting staff member, and the
targets (products, categories, collections) of a promotion or voucher."""

from typing import Any
from uuid import UUID

from django.db.models import Model
from django.utils import timezone
from ninja import Router

from mercato.accounts.actors import staff_actor
from mercato.accounts.operations import AdminOperations
from mercato.catalog.models import Category, Collection, Product
from mercato.core.errors import InvalidInput
from mercato.pricing.models import Promotion, Voucher

store_router = Router(tags=["store: pricing"])
admin_router = Router(tags=["admin: pricing"])

actor = staff_actor  # the staff member or app acting
admin = AdminOperations(admin_router)


def _pks(model: type[Model], ids: list[UUID], *, code: str, field: str) -> list[int]:
    found = dict(model._default_manager.filter(public_id__in=ids).values_list("public_id", "pk"))
    if len(found) != len(set(ids)):
        raise InvalidInput(f"Some {field} do not exist.", code=code, field=field)
    return list(found.values())


TARGETS: dict[str, tuple[type[Model], str, str]] = {
    "products": (Product, "unknown_product", "product_ids"),
    "categories": (Category, "unknown_category", "category_ids"),
    "collections": (Collection, "unknown_collection", "collection_ids"),
}


def resolve_targets(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a promotion or voucher schema, with the targets' public ids as primary
    keys (`products` → `product_ids`)."""
    for name, (model, code, key) in TARGETS.items():
        if name in data:
            data[key] = _pks(model, data.pop(name), code=code, field=name)
    return data


def running(obj: Promotion | Voucher) -> bool:
    now = timezone.now()
    return obj.is_active and obj.starts_at <= now and (obj.ends_at is None or now < obj.ends_at)
