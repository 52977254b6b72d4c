"""Admin: attributes and their values."""

from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.catalog import selectors, services
from mercato.catalog.api.common import actor, admin, get
from mercato.catalog.models import Attribute
from mercato.catalog.schemas import AttributeIn, AttributeOut, AttributePatch, AttributeValueIn

CHANGE = "catalog.change_attribute"


@admin.operation("get", "/catalog/attributes", out=list[AttributeOut])
def list_attributes(request: HttpRequest):
    return list(selectors.list_attributes())


@admin.create("/catalog/attributes", out=AttributeOut, permission="catalog.add_attribute")
def create_attribute(request: HttpRequest, payload: AttributeIn):
    attribute = services.create_attribute(actor=actor(request), **payload.dict())
    return Status(201, selectors.list_attributes().get(pk=attribute.pk))


@admin.update("/catalog/attributes/{attribute_id}", out=AttributeOut, permission=CHANGE)
def update_attribute(request: HttpRequest, attribute_id: UUID, payload: AttributePatch):
    attribute = get(Attribute, attribute_id, "attribute_not_found")
    changes = services.AttributeChanges(**payload.dict(exclude_unset=True))
    services.update_attribute(actor=actor(request), attribute=attribute, changes=changes)
    return selectors.list_attributes().get(pk=attribute.pk)


@admin.delete(
    "/catalog/attributes/{attribute_id}", permission="catalog.delete_attribute", errors=(404, 409)
)
def delete_attribute(request: HttpRequest, attribute_id: UUID):
    attribute = get(Attribute, attribute_id, "attribute_not_found")
    services.delete_attribute(actor=actor(request), attribute=attribute)


@admin.create(
    "/catalog/attributes/{attribute_id}/values",
    out=AttributeOut,
    permission=CHANGE,
    errors=(404, 409, 422),
)
def add_attribute_value(request: HttpRequest, attribute_id: UUID, payload: AttributeValueIn):
    attribute = get(Attribute, attribute_id, "attribute_not_found")
    services.add_attribute_value(actor=actor(request), attribute=attribute, **payload.dict())
    return Status(201, selectors.list_attributes().get(pk=attribute.pk))


@admin.delete(
    "/catalog/attributes/{attribute_id}/values/{value_slug}", permission=CHANGE, errors=(404, 409)
)
def delete_attribute_value(request: HttpRequest, attribute_id: UUID, value_slug: str):
    attribute = get(Attribute, attribute_id, "attribute_not_found")
    value = selectors.get_attribute_value(attribute=attribute, slug=value_slug)
    services.delete_attribute_value(actor=actor(request), value=value)
