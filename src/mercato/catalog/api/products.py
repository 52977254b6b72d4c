"""Admin: products, one at a time and in bulk."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Schema
from ninja.responses import Status
from pydantic import Field

from mercato.catalog import presenters, selectors, services
from mercato.catalog.api.common import CURRENCY, actor, admin, get
from mercato.catalog.models import Product
from mercato.catalog.schemas import (
    AdminProductOut,
    AdminProductPage,
    BulkIn,
    BulkOut,
    ProductIn,
    ProductPatch,
)
from mercato.core.errors import InvalidInput, PermissionDenied
from mercato.core.pagination import PageParams, paginate

CHANGE = "catalog.change_product"
BULK_STATUSES = {"publish": "published", "unpublish": "draft", "archive": "archived"}


class AdminProductParams(Schema):
    status: str = Field("", max_length=10)
    search: str = Field("", max_length=200, description="Name, slug or SKU contains")
    category: str = Field("", max_length=1000)
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=512)


def admin_product_out(product: Product) -> dict:
    return presenters.product_detail(
        selectors.get_admin_product(pk=product.pk), CURRENCY, admin=True
    )


def _list_item(product: Product) -> dict:
    return {
        "id": product.public_id,
        "slug": product.slug,
        "name": product.name,
        "status": product.status,
        "product_type": product.product_type.slug,
        "category": product.category.slug_path if product.category else None,
        "price": presenters.price_range(product, CURRENCY),
        "variant_count": product.variant_count,  # type: ignore[attr-defined]
        "updated_at": product.updated_at,
    }


@admin.operation("get", "/catalog/products", out=AdminProductPage, errors=(422,))
def list_admin_products(request: HttpRequest, params: Query[AdminProductParams]):
    """Every product (any status), newest first."""
    products = selectors.list_admin_products(
        status=params.status, search=params.search, category=params.category
    )
    page = PageParams(limit=params.limit, cursor=params.cursor)
    return paginate(products, params=page, transform=_list_item)


@admin.create("/catalog/products", out=AdminProductOut, permission="catalog.add_product")
def create_product(request: HttpRequest, payload: ProductIn):
    """A product with its attributes and variants in one call."""
    data = payload.dict()
    data["product_type"] = selectors.get_product_type_for_input(slug=data["product_type"])
    data["category"] = selectors.get_category_for_input(data.get("category"))
    data["variants"] = [services.VariantChanges(**variant) for variant in data["variants"]]
    changes = services.ProductChanges(**data)
    product = services.create_product(actor=actor(request), changes=changes)
    return Status(201, admin_product_out(product))


@admin.operation(
    "post", "/catalog/products/bulk", out=BulkOut, errors=(404, 422), permission=CHANGE
)
def bulk_products(request: HttpRequest, payload: BulkIn):
    """Publish, unpublish (back to draft), archive, delete, or change the price of many
    products at once: all or nothing."""
    by = actor(request)
    products = selectors.list_products_by_public_id(payload.products)
    if payload.action == "delete":
        if not request.auth.has_perms("catalog.delete_product"):  # type: ignore[attr-defined]
            raise PermissionDenied(required=["catalog.delete_product"])
        affected = services.bulk_delete_products(actor=by, products=products)
    elif payload.action == "change_price":
        if payload.mode is None or payload.amount is None:
            raise InvalidInput("change_price needs mode and amount.", field="amount")
        affected = services.bulk_change_price(
            actor=by, products=products, mode=payload.mode, amount=payload.amount
        )
    else:
        status = BULK_STATUSES[payload.action]
        affected = services.bulk_set_status(actor=by, products=products, status=status)
    return BulkOut(action=payload.action, affected=affected)


# The fixed paths under /catalog/products/ (export.csv and import, in imports.py, and bulk
# above) are registered before /catalog/products/{product_id}, which would otherwise take them
# for an id: api/__init__.py imports imports.py before this module.


@admin.operation("get", "/catalog/products/{product_id}", out=AdminProductOut, errors=(404,))
def get_admin_product(request: HttpRequest, product_id: UUID):
    return admin_product_out(get(Product, product_id, "product_not_found"))


@admin.update("/catalog/products/{product_id}", out=AdminProductOut, permission=CHANGE)
def update_product(request: HttpRequest, product_id: UUID, payload: ProductPatch):
    data = payload.dict(exclude_unset=True)
    if "category" in data:
        data["category"] = selectors.get_category_for_input(data["category"])
    product = get(Product, product_id, "product_not_found")
    changes = services.ProductChanges(**data)
    product = services.update_product(actor=actor(request), product=product, changes=changes)
    return admin_product_out(product)


@admin.delete("/catalog/products/{product_id}", permission="catalog.delete_product")
def delete_product(request: HttpRequest, product_id: UUID):
    product = get(Product, product_id, "product_not_found")
    services.delete_product(actor=actor(request), product=product)
