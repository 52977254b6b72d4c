"""Shape catalog rows for the API (from prefetched data only: no queries here)."""

from collections.abc import Iterable
from typing import Any

from mercato.catalog.models import (
    AssignedAttribute,
    Category,
    Product,
    ProductMedia,
    ProductVariant,
)
from mercato.catalog.selectors import breadcrumbs, prefetched_rows
from mercato.core.money import money


def attributes_out(rows: Iterable[AssignedAttribute]) -> list[dict[str, Any]]:
    grouped: dict[int, dict[str, Any]] = {}
    for row in rows:
        attribute = row.attribute
        entry = grouped.setdefault(
            attribute.pk,
            {
                "attribute": attribute.slug,
                "name": attribute.name,
                "type": attribute.input_type,
                "unit": attribute.unit,
                "values": [],
                "value": None,
            },
        )
        if row.value is not None:
            entry["values"].append({"slug": row.value.slug, "name": row.value.name})
        elif row.number is not None:
            entry["value"] = float(row.number)
        elif row.boolean is not None:
            entry["value"] = row.boolean
        else:
            entry["value"] = row.text
    return list(grouped.values())


def category_ref(category: Category | None) -> dict[str, Any] | None:
    if category is None:
        return None
    return {"id": category.public_id, "name": category.name, "slug_path": category.slug_path}


def media_out(media: ProductMedia, *, with_variants: bool = True) -> dict[str, Any]:
    return {
        "id": media.public_id,
        "url": media.url,
        "alt": media.alt,
        "variant_ids": [v.public_id for v in media.variants.all()] if with_variants else [],
    }


def price_range(product: Product, currency: str) -> dict[str, Any]:
    return {"min": money(product.price_min, currency), "max": money(product.price_max, currency)}


def variant_out(variant: ProductVariant, media_ids: dict[int, Any], *, admin: bool = False) -> dict:
    data = {
        "id": variant.public_id,
        "sku": variant.sku,
        "name": variant.name,
        "price": money(variant.price, variant.currency),
        "compare_at_price": money(variant.compare_at_price, variant.currency),
        "weight_grams": variant.weight_grams,
        "attributes": attributes_out(variant.attribute_values.all()),
        "media_ids": [media_ids[m.pk] for m in variant.media.all() if m.pk in media_ids],
    }
    if admin:
        data.update(
            cost_price=money(variant.cost_price, variant.currency),
            barcode=variant.barcode,
            track_inventory=variant.track_inventory,
            sort_order=variant.sort_order,
        )
    return data


def list_item(product: Product, currency: str) -> dict[str, Any]:
    media = list(product.media.all())
    return {
        "id": product.public_id,
        "slug": product.slug,
        "name": product.name,
        "category": category_ref(product.category),
        "thumbnail": media_out(media[0], with_variants=False) if media else None,
        "price": price_range(product, currency),
        "in_stock": product.in_stock,
        "created_at": product.created_at,
    }


def product_detail(product: Product, currency: str, *, admin: bool = False) -> dict[str, Any]:
    media = list(product.media.all())
    media_ids = {m.pk: m.public_id for m in media}
    data = {
        "id": product.public_id,
        "slug": product.slug,
        "name": product.name,
        "description": product.description,
        "seo_title": product.seo_title,
        "seo_description": product.seo_description,
        "metadata": product.metadata,
        "product_type": product.product_type.slug,
        "category": category_ref(product.category),
        "attributes": attributes_out(prefetched_rows(product, "product_attributes")),
        "variants": [variant_out(v, media_ids, admin=admin) for v in product.variants.all()],
        "media": [media_out(m) for m in media],
        "price": price_range(product, currency),
        "in_stock": product.in_stock,
        "published_at": product.published_at,
    }
    if admin:
        data.update(
            status=product.status,
            private_metadata=product.private_metadata,
            collections=[c.slug for c in product.collections.all()],
            created_at=product.created_at,
            updated_at=product.updated_at,
        )
    else:
        data["breadcrumbs"] = [category_ref(c) for c in breadcrumbs(product.category)]
    return data
