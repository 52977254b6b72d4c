from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.shipping import selectors, services
from mercato.shipping.api.common import actor, admin, zone_out
from mercato.shipping.schemas import ZoneIn, ZoneOut, ZonePatch

zones_admin = admin.resource("shipping.shippingzone")


@zones_admin.read("/shipping/zones", out=list[ZoneOut])
def list_zones(request: HttpRequest):
    """Every zone with its methods and their brackets."""
    return [zone_out(zone) for zone in selectors.list_zones()]


@zones_admin.create("/shipping/zones", out=ZoneOut)
def create_zone(request: HttpRequest, payload: ZoneIn):
    zone = services.save_zone(
        actor=actor(request), changes=services.ShippingZoneChanges(**payload.dict())
    )
    return Status(201, zone_out(selectors.get_zone(public_id=zone.public_id)))


@zones_admin.read("/shipping/zones/{zone_id}", out=ZoneOut, errors=(404,))
def get_zone(request: HttpRequest, zone_id: UUID):
    return zone_out(selectors.get_zone(public_id=zone_id))


@zones_admin.update("/shipping/zones/{zone_id}", out=ZoneOut)
def update_zone(request: HttpRequest, zone_id: UUID, payload: ZonePatch):
    services.save_zone(
        actor=actor(request),
        zone=selectors.get_zone(public_id=zone_id),
        changes=services.ShippingZoneChanges(**payload.dict(exclude_unset=True)),
    )
    return zone_out(selectors.get_zone(public_id=zone_id))


@zones_admin.delete("/shipping/zones/{zone_id}")
def delete_zone(request: HttpRequest, zone_id: UUID) -> None:
    """Delete a zone and every method in it."""
    services.delete_zone(actor=actor(request), zone=selectors.get_zone(public_id=zone_id))
