"""Product types: which attributes a product of the type has, and which its variants have."""

from collections.abc import Iterable

from django.db import transaction

from mercato.audit.services import Actor, record_save, snapshot
from mercato.catalog.models import Attribute, ProductType, ProductTypeAttribute
from mercato.catalog.services.common import delete_audited, locked, make_slug, save_unique
from mercato.core.errors import InvalidInput


def _attributes_by_slug(slugs: Iterable[str], *, field: str) -> list[Attribute]:
    slugs = list(dict.fromkeys(slugs))
    found = {a.slug: a for a in Attribute.objects.filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise InvalidInput(
            f"Unknown attributes: {', '.join(missing)}.", code="unknown_attribute", field=field
        )
    return [found[s] for s in slugs]


def save_product_type(
    *,
    actor: Actor,
    product_type: ProductType | None = None,
    name: str | None = None,
    slug: str | None = None,
    has_variants: bool | None = None,
    product_attributes: list[str] | None = None,
    variant_attributes: list[str] | None = None,
) -> ProductType:
    """Create (product_type None) or change a product type and its attribute lists; a list
    left out (None) stays as it is."""
    with transaction.atomic():
        creating = product_type is None
        if product_type is None:
            if not name:
                raise InvalidInput("A name is required.", field="name")
            product_type, before = ProductType(name=name), None
        else:
            product_type = locked(product_type)
            before = snapshot(product_type)
        if name is not None:
            product_type.name = name
        if slug is not None or creating:
            product_type.slug = make_slug(slug or name or "")
        if has_variants is not None:
            product_type.has_variants = has_variants
        save_unique(product_type)
        if product_attributes is not None or variant_attributes is not None:
            _set_type_attributes(product_type, product_attributes, variant_attributes)
        record_save(actor=actor, obj=product_type, before=before)
    return product_type


def _set_type_attributes(
    product_type: ProductType,
    product_attributes: list[str] | None,
    variant_attributes: list[str] | None,
) -> None:
    """Replace the type's attribute lists (in this order); a list given as None keeps the
    attributes the type has on that side."""
    current = {
        ta.attribute.slug: ta.variant_attribute
        for ta in product_type.type_attributes.select_related("attribute")
    }
    if product_attributes is None:
        product_attributes = [slug for slug, on_variant in current.items() if not on_variant]
    if variant_attributes is None:
        variant_attributes = [slug for slug, on_variant in current.items() if on_variant]
    if set(product_attributes) & set(variant_attributes):
        raise InvalidInput(
            "An attribute is either a product or a variant attribute.", field="variant_attributes"
        )
    wanted = [
        *((a, False) for a in _attributes_by_slug(product_attributes, field="product_attributes")),
        *((a, True) for a in _attributes_by_slug(variant_attributes, field="variant_attributes")),
    ]
    product_type.type_attributes.all().delete()
    ProductTypeAttribute.objects.bulk_create(
        ProductTypeAttribute(
            product_type=product_type,
            attribute=attribute,
            variant_attribute=on_variant,
            sort_order=i,
        )
        for i, (attribute, on_variant) in enumerate(wanted)
    )


def delete_product_type(*, actor: Actor, product_type: ProductType) -> None:
    with transaction.atomic():
        delete_audited(product_type, actor=actor, in_use="Products still have this type.")
