"""Admin: the variants of a product."""

from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.catalog import services
from mercato.catalog.api.common import actor, admin, get
from mercato.catalog.api.products import admin_product_out
from mercato.catalog.models import Product, ProductVariant
from mercato.catalog.schemas import VariantIn, VariantPatch

CHANGE = "catalog.change_product"


def _variant_out(variant: ProductVariant) -> dict:
    product = admin_product_out(variant.product)
    return next(v for v in product["variants"] if v["id"] == variant.public_id)


@admin.create(
    "/catalog/products/{product_id}/variants", out=dict, permission=CHANGE, errors=(404, 409, 422)
)
def create_variant(request: HttpRequest, product_id: UUID, payload: VariantIn):
    product = get(Product, product_id, "product_not_found")
    changes = services.VariantChanges(**payload.dict())
    variant = services.create_variant(actor=actor(request), product=product, changes=changes)
    return Status(201, _variant_out(variant))


@admin.update("/catalog/variants/{variant_id}", out=dict, permission=CHANGE)
def update_variant(request: HttpRequest, variant_id: UUID, payload: VariantPatch):
    variant = get(ProductVariant, variant_id, "variant_not_found")
    changes = services.VariantChanges(**payload.dict(exclude_unset=True))
    variant = services.update_variant(actor=actor(request), variant=variant, changes=changes)
    return _variant_out(variant)


@admin.delete("/catalog/variants/{variant_id}", permission=CHANGE)
def delete_variant(request: HttpRequest, variant_id: UUID):
    variant = get(ProductVariant, variant_id, "variant_not_found")
    services.delete_variant(actor=actor(request), variant=variant)
