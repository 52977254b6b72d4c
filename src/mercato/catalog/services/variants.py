"""Variants: the sellable SKUs of a product, with their prices and attributes."""

from typing import Any

from django.db import transaction

from mercato.audit.services import Actor, record_save, snapshot
from mercato.catalog.models import Attribute, Product, ProductVariant
from mercato.catalog.services.attribute_values import assign_attributes
from mercato.catalog.services.common import (
    check_lengths,
    clean_price,
    delete_audited,
    save_unique,
    set_given,
)
from mercato.catalog.services.derived import refresh_products
from mercato.catalog.services.inputs import VariantChanges
from mercato.core.errors import InvalidInput

VARIANT_FIELDS = ("name", "weight_grams", "barcode", "track_inventory", "sort_order")


def _apply_variant_fields(variant: ProductVariant, data: dict[str, Any]) -> None:
    set_given(variant, data, VARIANT_FIELDS)
    check_lengths(variant, ["name", "barcode"])
    if "sku" in data:
        sku = data["sku"].strip()
        if not sku or len(sku) > 64:
            raise InvalidInput("A SKU has 1 to 64 characters.", code="invalid_sku", field="sku")
        variant.sku = sku
    if "price" in data:
        variant.price = clean_price(data["price"])
    for name in ("compare_at_price", "cost_price"):
        if name in data:
            setattr(variant, name, clean_price(data[name], field=name, required=False))


def add_variant(
    product: Product, changes: VariantChanges, *, allowed: dict[str, Attribute] | None = None
) -> ProductVariant:
    data = changes.given()
    if "sku" not in data or "price" not in data:
        raise InvalidInput("A variant needs a sku and a price.", field="variants")
    variant = ProductVariant(product=product)
    _apply_variant_fields(variant, data)
    save_unique(variant)
    rows = assign_attributes(
        product, variant, data.get("attributes") or {}, allowed=allowed, fresh=True
    )
    if not variant.name and rows:
        names = [
            row.value.name if row.value else (row.text or str(row.number or row.boolean or ""))
            for row in rows
        ]
        variant.name = " / ".join(name for name in names if name)[:250]
        variant.save(update_fields=["name"])
    return variant


def create_variant(*, actor: Actor, product: Product, changes: VariantChanges) -> ProductVariant:
    with transaction.atomic():
        product = (
            Product.objects.select_for_update().select_related("product_type").get(pk=product.pk)
        )
        if not product.product_type.has_variants and product.variants.exists():
            raise InvalidInput(
                "This product type has one variant per product.", code="single_variant_type"
            )
        variant = add_variant(product, changes)
        refresh_products([product.pk])
        record_save(actor=actor, obj=variant, before=None)
    return variant


def update_variant(
    *, actor: Actor, variant: ProductVariant, changes: VariantChanges
) -> ProductVariant:
    data = changes.given()
    with transaction.atomic():
        variant = (
            ProductVariant.objects.select_for_update()
            .select_related("product__product_type")
            .get(pk=variant.pk)
        )
        before = snapshot(variant)
        _apply_variant_fields(variant, data)
        save_unique(variant)
        if "attributes" in data:
            assign_attributes(variant.product, variant, data["attributes"] or {})
        refresh_products([variant.product_id])
        record_save(actor=actor, obj=variant, before=before)
    return variant


def delete_variant(*, actor: Actor, variant: ProductVariant) -> None:
    with transaction.atomic():
        product_id = variant.product_id
        delete_audited(
            variant,
            actor=actor,
            in_use="This variant has stock history or orders; keep it (or archive the product).",
            code="variant_in_use",
        )
        refresh_products([product_id])
