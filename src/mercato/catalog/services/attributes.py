"""Attributes and their values (the choices of a choice attribute)."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max

from mercato.audit.services import Actor, record_save
from mercato.catalog.models import Attribute, AttributeValue
from mercato.catalog.services.common import (
    audited_change,
    delete_audited,
    make_slug,
    save_unique,
    set_given,
)
from mercato.catalog.services.inputs import AttributeChanges
from mercato.core.errors import InvalidInput


def create_attribute(
    *,
    actor: Actor,
    name: str,
    input_type: str,
    slug: str = "",
    unit: str = "",
    is_filterable: bool = True,
    values: Sequence[str] = (),
) -> Attribute:
    if input_type not in Attribute.InputType.values:
        raise InvalidInput(f"Unknown input type {input_type!r}.", field="input_type")
    with transaction.atomic():
        attribute = Attribute(
            name=name,
            slug=make_slug(slug or name),
            input_type=input_type,
            unit=unit,
            is_filterable=is_filterable,
        )
        save_unique(attribute)
        for position, value in enumerate(values):
            _add_value(attribute, value, position)
        record_save(actor=actor, obj=attribute, before=None)
    return attribute


def update_attribute(*, actor: Actor, attribute: Attribute, changes: AttributeChanges) -> Attribute:
    given = changes.given()
    with audited_change(attribute, actor=actor) as attribute:
        set_given(attribute, given, ("name", "unit", "is_filterable", "sort_order"))
        if "slug" in given:
            attribute.slug = make_slug(given["slug"])
        save_unique(attribute)
    return attribute


def delete_attribute(*, actor: Actor, attribute: Attribute) -> None:
    with transaction.atomic():
        delete_audited(
            attribute, actor=actor, in_use="The attribute is used by product types or products."
        )


def _add_value(attribute: Attribute, name: str, position: int, slug: str = "") -> AttributeValue:
    if not attribute.has_choices:
        raise InvalidInput("Only choice attributes have values.", code="not_a_choice_attribute")
    value = AttributeValue(
        attribute=attribute, name=name, slug=make_slug(slug or name), sort_order=position
    )
    save_unique(value)
    return value


def add_attribute_value(
    *, actor: Actor, attribute: Attribute, name: str, slug: str = "", sort_order: int | None = None
) -> AttributeValue:
    with transaction.atomic():
        if sort_order is None:
            sort_order = (attribute.values.aggregate(top=Max("sort_order"))["top"] or 0) + 1
        value = _add_value(attribute, name, sort_order, slug)
        record_save(actor=actor, obj=value, before=None)
    return value


def delete_attribute_value(*, actor: Actor, value: AttributeValue) -> None:
    with transaction.atomic():
        delete_audited(value, actor=actor, in_use="The value is used by products.")
