"""Attribute values on products and variants, checked against the product type."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import slugify

from mercato.catalog.errors import InvalidAttributeValue
from mercato.catalog.models import (
    AssignedAttribute,
    Attribute,
    Product,
    ProductType,
    ProductVariant,
)
from mercato.catalog.services.inputs import AttributeValue, AttributeValues


def _coerce(attribute: Attribute, raw: AttributeValue, *, field: str) -> list[dict[str, Any]]:
    """Rows for AssignedAttribute from an input value, checked against the attribute."""
    kind = Attribute.InputType
    values = raw if isinstance(raw, list) else [raw]
    if attribute.input_type != kind.MULTIPLE_CHOICE and len(values) != 1:
        raise InvalidAttributeValue(f"{attribute.slug} takes one value.", field=field)
    if attribute.has_choices:
        choices = {v.slug: v for v in attribute.values.all()}
        names = {v.name.lower(): v for v in attribute.values.all()}
        rows = []
        for value in values:
            key = str(value).strip()
            choice = choices.get(key) or choices.get(slugify(key)) or names.get(key.lower())
            if choice is None:
                raise InvalidAttributeValue(
                    f"{value!r} is not a value of {attribute.slug}.", field=field
                )
            rows.append({"value": choice})
        return rows
    value = values[0]
    if attribute.input_type == kind.NUMBER:
        try:
            number = Decimal(str(value))
            if not number.is_finite() or abs(number) >= Decimal("1e10"):
                raise InvalidOperation
        except (InvalidOperation, ValueError) as exc:
            raise InvalidAttributeValue(f"{attribute.slug} takes a number.", field=field) from exc
        return [{"number": number}]
    if attribute.input_type == kind.BOOLEAN:  # true/false from JSON read as "True"/"False"
        lowered = str(value).strip().lower()
        if lowered not in {"true", "false", "1", "0", "yes", "no"}:
            raise InvalidAttributeValue(f"{attribute.slug} takes true or false.", field=field)
        return [{"boolean": lowered in {"true", "1", "yes"}}]
    text = str(value).strip()
    if len(text) > 500:
        raise InvalidAttributeValue(f"{attribute.slug} takes at most 500 characters.", field=field)
    return [{"text": text}]


def allowed_attributes(product_type: ProductType, *, variant: bool) -> dict[str, Attribute]:
    return {
        ta.attribute.slug: ta.attribute
        for ta in product_type.type_attributes.select_related("attribute").prefetch_related(
            "attribute__values"
        )
        if ta.variant_attribute == variant
    }


def assign_attributes(
    product: Product,
    variant: ProductVariant | None,
    values: AttributeValues,
    *,
    allowed: dict[str, Attribute] | None = None,
    fresh: bool = False,
) -> list[AssignedAttribute]:
    """Set attribute values of a product (variant None) or a variant. `fresh`: the object was
    just made, so there is nothing to replace."""
    if allowed is None:
        allowed = allowed_attributes(product.product_type, variant=variant is not None)
    rows = []
    for slug, raw in values.items():
        attribute = allowed.get(slug)
        if attribute is None:
            where = "variants" if variant is not None else "products"
            raise InvalidAttributeValue(
                f"{slug!r} is not an attribute of {where} of type {product.product_type.slug}.",
                code="unknown_attribute",
                field=f"attributes.{slug}",
            )
        if raw is None or raw == [] or raw == "":
            continue
        rows += [
            AssignedAttribute(product=product, variant=variant, attribute=attribute, **row)
            for row in _coerce(attribute, raw, field=f"attributes.{slug}")
        ]
    if not fresh:
        AssignedAttribute.objects.filter(
            product=product, variant=variant, attribute__slug__in=list(values)
        ).delete()
    return AssignedAttribute.objects.bulk_create(rows)
