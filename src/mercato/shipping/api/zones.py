from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.accounts.authentication import AdminAuth
from mercato.core.schemas import problems
from mercato.shipping import selectors, services
from mercato.shipping.api.common import actor, admin_router, zone_out
from mercato.shipping.schemas import ZoneIn, ZoneOut, ZonePatch

VIEW_ZONES = AdminAuth("shipping.view_shippingzone")


@admin_router.get(
    "/shipping/zones", response={200: list[ZoneOut], **problems(401, 403)}, auth=VIEW_ZONES
)
def list_zones(request: HttpRequest):
    """Every zone with its methods and their brackets."""
    return [zone_out(zone) for zone in selectors.list_zones()]


@admin_router.post(
    "/shipping/zones",
    response={201: ZoneOut, **problems(401, 403, 422)},
    auth=AdminAuth("shipping.add_shippingzone"),
)
def create_zone(request: HttpRequest, payload: ZoneIn):
    zone = services.save_zone(
        actor=actor(request), changes=services.ShippingZoneChanges(**payload.dict())
    )
    return Status(201, zone_out(selectors.get_zone(public_id=zone.public_id)))


@admin_router.get(
    "/shipping/zones/{zone_id}",
    response={200: ZoneOut, **problems(401, 403, 404)},
    auth=VIEW_ZONES,
)
def get_zone(request: HttpRequest, zone_id: UUID):
    return zone_out(selectors.get_zone(public_id=zone_id))


@admin_router.patch(
    "/shipping/zones/{zone_id}",
    response={200: ZoneOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("shipping.change_shippingzone"),
)
def update_zone(request: HttpRequest, zone_id: UUID, payload: ZonePatch):
    services.save_zone(
        actor=actor(request),
        zone=selectors.get_zone(public_id=zone_id),
        changes=services.ShippingZoneChanges(**payload.dict(exclude_unset=True)),
    )
    return zone_out(selectors.get_zone(public_id=zone_id))


@admin_router.delete(
    "/shipping/zones/{zone_id}",
    response={204: None, **problems(401, 403, 404)},
    auth=AdminAuth("shipping.delete_shippingzone"),
)
def delete_zone(request: HttpRequest, zone_id: UUID):
    """Delete a zone and every method in it."""
    services.delete_zone(actor=actor(request), zone=selectors.get_zone(public_id=zone_id))
    return Status(204, None)
