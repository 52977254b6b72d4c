"""Admin: the variants of a product."""

from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.catalog import services
from mercato.catalog.api.common import actor, admin_delete, admin_operation, get, no_content
from mercato.catalog.api.products import admin_product_out
from mercato.catalog.models import Product, ProductVariant
from mercato.catalog.schemas import VariantIn, VariantPatch

CHANGE = "catalog.change_product"


def _variant_out(variant: ProductVariant) -> dict:
    product = admin_product_out(variant.product)
    return next(v for v in product["variants"] if v["id"] == variant.public_id)


@admin_operation(
    "post",
    "/catalog/products/{product_id}/variants",
    out=dict,
    status=201,
    errors=(404, 409, 422),
    permission=CHANGE,
)
def create_variant(request: HttpRequest, product_id: UUID, payload: VariantIn):
    product = get(Product, product_id, "product_not_found")
    changes = services.VariantChanges(**payload.dict())
    variant = services.create_variant(actor=actor(request), product=product, changes=changes)
    return Status(201, _variant_out(variant))


@admin_operation(
    "patch",
    "/catalog/variants/{variant_id}",
    out=dict,
    errors=(404, 409, 422),
    permission=CHANGE,
)
def update_variant(request: HttpRequest, variant_id: UUID, payload: VariantPatch):
    variant = get(ProductVariant, variant_id, "variant_not_found")
    changes = services.VariantChanges(**payload.dict(exclude_unset=True))
    variant = services.update_variant(actor=actor(request), variant=variant, changes=changes)
    return _variant_out(variant)


@admin_delete("/catalog/variants/{variant_id}", permission=CHANGE)
def delete_variant(request: HttpRequest, variant_id: UUID):
    variant = get(ProductVariant, variant_id, "variant_not_found")
    services.delete_variant(actor=actor(request), variant=variant)
    return no_content()
