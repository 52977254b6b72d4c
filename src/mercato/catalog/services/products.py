"""Products: create, change and delete a product with its attributes (and, on creation,
its variants)."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from mercato.audit.services import Actor, record_save, snapshot
from mercato.catalog import search
from mercato.catalog.models import Product
from mercato.catalog.services.attribute_values import allowed_attributes, assign_attributes
from mercato.catalog.services.common import (
    check_lengths,
    delete_audited,
    make_slug,
    save_unique,
    set_given,
)
from mercato.catalog.services.derived import refresh_products
from mercato.catalog.services.inputs import ProductChanges
from mercato.catalog.services.variants import add_variant
from mercato.core.errors import InvalidInput
from mercato.core.events import record_event

PRODUCT_FIELDS = (
    "name",
    "description",
    "status",
    "published_at",
    "seo_title",
    "seo_description",
    "metadata",
    "private_metadata",
)


def _apply_product_fields(product: Product, data: dict[str, Any]) -> None:
    set_given(product, data, PRODUCT_FIELDS)
    check_lengths(product, ["name", "seo_title", "seo_description"])
    if product.status not in Product.Status.values:
        raise InvalidInput(f"Unknown status {product.status!r}.", field="status")
    if "slug" in data:
        product.slug = make_slug(data["slug"], field="slug")
    if "category" in data:
        product.category = data["category"]
    if "product_type" in data:
        product.product_type = data["product_type"]


def create_product(*, actor: Actor, changes: ProductChanges) -> Product:
    """A product with its attributes and, optionally, its variants (a name and a product type
    are required)."""
    data = changes.given()
    if "name" not in data or "product_type" not in data:
        raise InvalidInput("A product needs a name and a product type.", field="name")
    with transaction.atomic():
        product = Product(name=data["name"])
        _apply_product_fields(product, {**data, "slug": data.get("slug") or data["name"]})
        if product.status == Product.Status.PUBLISHED and not product.published_at:
            product.published_at = timezone.now()
        save_unique(product)
        assign_attributes(product, None, data.get("attributes") or {}, fresh=True)
        variants = data.get("variants") or []
        if not product.product_type.has_variants and len(variants) > 1:
            raise InvalidInput("This product type has one variant per product.", field="variants")
        allowed = allowed_attributes(product.product_type, variant=True)
        for variant_changes in variants:
            add_variant(product, variant_changes, allowed=allowed)
        refresh_products([product.pk])
        record_save(actor=actor, obj=product, before=None)
        record_event("product.created", product_id=product.pk)
    return product


def update_product(*, actor: Actor, product: Product, changes: ProductChanges) -> Product:
    data = changes.given()
    with transaction.atomic():
        product = (
            Product.objects.select_for_update().select_related("product_type").get(pk=product.pk)
        )
        before = snapshot(product)
        if "product_type" in data and data["product_type"].pk != product.product_type_id:
            raise InvalidInput(
                "The type of a product cannot change.", code="type_immutable", field="product_type"
            )
        was_published = product.status == Product.Status.PUBLISHED
        _apply_product_fields(product, data)
        if (
            product.status == Product.Status.PUBLISHED
            and not was_published
            and not product.published_at
        ):
            product.published_at = timezone.now()
        save_unique(product)
        if "attributes" in data:
            assign_attributes(product, None, data["attributes"] or {})
        refresh_products([product.pk])
        record_save(actor=actor, obj=product, before=before)
        record_event("product.updated", product_id=product.pk)
    return product


def delete_product(*, actor: Actor, product: Product) -> None:
    with transaction.atomic():
        pk = product.pk
        delete_audited(
            product,
            actor=actor,
            in_use="This product has stock history or orders; archive it instead.",
            code="product_in_use",
        )
        search.index_products([pk])
        record_event("product.deleted", product_id=pk)
