"""Admin: product types and the attributes of their products and variants."""

from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.catalog import selectors, services
from mercato.catalog.api.common import actor, admin, get
from mercato.catalog.models import ProductType
from mercato.catalog.schemas import ProductTypeIn, ProductTypeOut, ProductTypePatch


def _product_type_out(product_type: ProductType) -> dict:
    rows = list(product_type.type_attributes.all())
    return {
        "id": product_type.public_id,
        "name": product_type.name,
        "slug": product_type.slug,
        "has_variants": product_type.has_variants,
        "product_attributes": [r.attribute.slug for r in rows if not r.variant_attribute],
        "variant_attributes": [r.attribute.slug for r in rows if r.variant_attribute],
    }


@admin.operation("get", "/catalog/product-types", out=list[ProductTypeOut])
def list_product_types(request: HttpRequest):
    return [_product_type_out(t) for t in selectors.list_product_types()]


@admin.create("/catalog/product-types", out=ProductTypeOut, permission="catalog.add_producttype")
def create_product_type(request: HttpRequest, payload: ProductTypeIn):
    product_type = services.save_product_type(actor=actor(request), **payload.dict())
    return Status(201, _product_type_out(product_type))


@admin.operation("get", "/catalog/product-types/{type_id}", out=ProductTypeOut, errors=(404,))
def get_product_type(request: HttpRequest, type_id: UUID):
    return _product_type_out(get(ProductType, type_id, "product_type_not_found"))


@admin.update(
    "/catalog/product-types/{type_id}", out=ProductTypeOut, permission="catalog.change_producttype"
)
def update_product_type(request: HttpRequest, type_id: UUID, payload: ProductTypePatch):
    product_type = services.save_product_type(
        actor=actor(request),
        product_type=get(ProductType, type_id, "product_type_not_found"),
        **payload.dict(exclude_unset=True),
    )
    return _product_type_out(product_type)


@admin.delete(
    "/catalog/product-types/{type_id}", permission="catalog.delete_producttype", errors=(404, 409)
)
def delete_product_type(request: HttpRequest, type_id: UUID):
    product_type = get(ProductType, type_id, "product_type_not_found")
    services.delete_product_type(actor=actor(request), product_type=product_type)
