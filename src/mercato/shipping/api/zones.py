from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.shipping import selectors, services
from mercato.shipping.api.common import actor, admin, zone_out
from mercato.shipping.schemas import ZoneIn, ZoneOut, ZonePatch


@admin.operation(
    "get", "/shipping/zones", out=list[ZoneOut], permission="shipping.view_shippingzone"
)
def list_zones(request: HttpRequest):
    """Every zone with its methods and their brackets."""
    return [zone_out(zone) for zone in selectors.list_zones()]


@admin.operation(
    "post",
    "/shipping/zones",
    out=ZoneOut,
    errors=(422,),
    permission="shipping.add_shippingzone",
    status=201,
)
def create_zone(request: HttpRequest, payload: ZoneIn):
    zone = services.save_zone(
        actor=actor(request), changes=services.ShippingZoneChanges(**payload.dict())
    )
    return Status(201, zone_out(selectors.get_zone(public_id=zone.public_id)))


@admin.operation(
    "get",
    "/shipping/zones/{zone_id}",
    out=ZoneOut,
    errors=(404,),
    permission="shipping.view_shippingzone",
)
def get_zone(request: HttpRequest, zone_id: UUID):
    return zone_out(selectors.get_zone(public_id=zone_id))


@admin.operation(
    "patch",
    "/shipping/zones/{zone_id}",
    out=ZoneOut,
    errors=(404, 422),
    permission="shipping.change_shippingzone",
)
def update_zone(request: HttpRequest, zone_id: UUID, payload: ZonePatch):
    services.save_zone(
        actor=actor(request),
        zone=selectors.get_zone(public_id=zone_id),
        changes=services.ShippingZoneChanges(**payload.dict(exclude_unset=True)),
    )
    return zone_out(selectors.get_zone(public_id=zone_id))


@admin.operation(
    "delete",
    "/shipping/zones/{zone_id}",
    out=None,
    errors=(404,),
    permission="shipping.delete_shippingzone",
    status=204,
)
def delete_zone(request: HttpRequest, zone_id: UUID):
    """Delete a zone and every method in it."""
    services.delete_zone(actor=actor(request), zone=selectors.get_zone(public_id=zone_id))
    return Status(204, None)
