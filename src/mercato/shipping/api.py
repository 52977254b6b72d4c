from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from mercato.accounts.authentication import AdminAuth, principal_of
from mercato.accounts.services import actor_for
from mercato.audit.services import Actor
from mercato.core.clientip import get_client_ip
from mercato.core.money import money
from mercato.core.schemas import problems
from mercato.shipping import selectors, services
from mercato.shipping.models import ShippingMethod, ShippingRate, ShippingZone
from mercato.shipping.schemas import (
    AvailableMethodOut,
    AvailableMethodsParams,
    MethodIn,
    MethodOut,
    MethodPatch,
    RateIn,
    ZoneIn,
    ZoneOut,
    ZonePatch,
)

store_router = Router(tags=["store: shipping"])
admin_router = Router(tags=["admin: shipping"])


# --- store ----------------------------------------------------------------------------------


@store_router.get(
    "/shipping/methods",
    response={200: list[AvailableMethodOut], **problems(422)},
    auth=None,
)
def available_methods(request: HttpRequest, params: Query[AvailableMethodsParams]):
    """The shipping methods that serve an address, a parcel weight and an order value, with
    their price (before tax; 0.00 above a method's free-shipping threshold) and delivery
    estimate in days. A bad country code answers 422 `invalid_country`."""
    quotes = selectors.list_available_methods(
        country=params.country, weight_grams=params.weight_grams, subtotal=params.subtotal
    )
    return [
        {
            "id": quote.method_id,
            "name": quote.name,
            "description": quote.description,
            "price": money(quote.price, quote.currency),
            "min_delivery_days": quote.min_delivery_days,
            "max_delivery_days": quote.max_delivery_days,
        }
        for quote in quotes
    ]


# --- admin ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return actor_for(principal_of(request), ip=get_client_ip(request))


def _brackets(rates: list[RateIn]) -> list[services.Bracket]:
    return [services.Bracket(**rate.dict()) for rate in rates]


def _bracket_value(method: ShippingMethod, value: Decimal | None) -> int | str | None:
    if value is None:
        return None
    if method.kind == ShippingMethod.Kind.WEIGHT:
        return int(value)
    return str(value)


def _rate_out(method: ShippingMethod, rate: ShippingRate) -> dict[str, Any]:
    return {
        "min_value": _bracket_value(method, rate.min_value),
        "max_value": _bracket_value(method, rate.max_value),
        "price": money(rate.price, method.currency),
    }


def _method_out(method: ShippingMethod) -> dict[str, Any]:
    return {
        "id": method.public_id,
        "zone_id": method.zone.public_id,
        "name": method.name,
        "description": method.description,
        "kind": method.kind,
        "price": money(method.price, method.currency),
        "free_above": money(method.free_above, method.currency),
        "min_weight_grams": method.min_weight_grams,
        "max_weight_grams": method.max_weight_grams,
        "min_order_value": money(method.min_order_value, method.currency),
        "max_order_value": money(method.max_order_value, method.currency),
        "min_delivery_days": method.min_delivery_days,
        "max_delivery_days": method.max_delivery_days,
        "tax_class_slug": method.tax_class_slug,
        "is_active": method.is_active,
        "sort_order": method.sort_order,
        "rates": [_rate_out(method, rate) for rate in method.rates.all()],
    }


def _zone_out(zone: ShippingZone) -> dict[str, Any]:
    return {
        "id": zone.public_id,
        "name": zone.name,
        "countries": zone.countries,
        "is_active": zone.is_active,
        "methods": [_method_out(method) for method in zone.methods.all()],
    }


VIEW_ZONES = AdminAuth("shipping.view_shippingzone")
VIEW_METHODS = AdminAuth("shipping.view_shippingmethod")


@admin_router.get(
    "/shipping/zones", response={200: list[ZoneOut], **problems(401, 403)}, auth=VIEW_ZONES
)
def list_zones(request: HttpRequest):
    """Every zone with its methods and their brackets."""
    return [_zone_out(zone) for zone in selectors.list_zones()]


@admin_router.post(
    "/shipping/zones",
    response={201: ZoneOut, **problems(401, 403, 422)},
    auth=AdminAuth("shipping.add_shippingzone"),
)
def create_zone(request: HttpRequest, payload: ZoneIn):
    zone = services.save_zone(
        actor=_actor(request), changes=services.ShippingZoneChanges(**payload.dict())
    )
    return Status(201, _zone_out(selectors.get_zone(public_id=zone.public_id)))


@admin_router.get(
    "/shipping/zones/{zone_id}",
    response={200: ZoneOut, **problems(401, 403, 404)},
    auth=VIEW_ZONES,
)
def get_zone(request: HttpRequest, zone_id: UUID):
    return _zone_out(selectors.get_zone(public_id=zone_id))


@admin_router.patch(
    "/shipping/zones/{zone_id}",
    response={200: ZoneOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("shipping.change_shippingzone"),
)
def update_zone(request: HttpRequest, zone_id: UUID, payload: ZonePatch):
    services.save_zone(
        actor=_actor(request),
        zone=selectors.get_zone(public_id=zone_id),
        changes=services.ShippingZoneChanges(**payload.dict(exclude_unset=True)),
    )
    return _zone_out(selectors.get_zone(public_id=zone_id))


@admin_router.delete(
    "/shipping/zones/{zone_id}",
    response={204: None, **problems(401, 403, 404)},
    auth=AdminAuth("shipping.delete_shippingzone"),
)
def delete_zone(request: HttpRequest, zone_id: UUID):
    """Delete a zone and every method in it."""
    services.delete_zone(actor=_actor(request), zone=selectors.get_zone(public_id=zone_id))
    return Status(204, None)


@admin_router.get(
    "/shipping/methods",
    response={200: list[MethodOut], **problems(401, 403, 404, 422)},
    auth=VIEW_METHODS,
)
def list_methods(request: HttpRequest, zone: UUID | None = None):
    """Every method (of one zone with `zone=<id>`), with its brackets."""
    methods = selectors.list_methods(
        zone=selectors.get_zone(public_id=zone) if zone is not None else None
    )
    return [_method_out(method) for method in methods]


@admin_router.post(
    "/shipping/zones/{zone_id}/methods",
    response={201: MethodOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("shipping.add_shippingmethod"),
)
def create_method(request: HttpRequest, zone_id: UUID, payload: MethodIn):
    """Add a method to a zone; a weight or order_value method comes with its brackets."""
    data = payload.dict(exclude={"rates"})
    method = services.save_method(
        actor=_actor(request),
        zone=selectors.get_zone(public_id=zone_id),
        changes=services.ShippingMethodChanges(**data),
        rates=_brackets(payload.rates),
    )
    return Status(201, _method_out(selectors.get_method(public_id=method.public_id)))


@admin_router.get(
    "/shipping/methods/{method_id}",
    response={200: MethodOut, **problems(401, 403, 404)},
    auth=VIEW_METHODS,
)
def get_method(request: HttpRequest, method_id: UUID):
    return _method_out(selectors.get_method(public_id=method_id))


@admin_router.patch(
    "/shipping/methods/{method_id}",
    response={200: MethodOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("shipping.change_shippingmethod"),
)
def update_method(request: HttpRequest, method_id: UUID, payload: MethodPatch):
    """Change a method; `rates` replaces all its brackets, `zone_id` moves it."""
    method = selectors.get_method(public_id=method_id)
    data = payload.dict(exclude_unset=True, exclude={"zone_id", "rates"})
    given = payload.model_fields_set
    services.save_method(
        actor=_actor(request),
        method=method,
        zone=selectors.get_zone(public_id=payload.zone_id) if "zone_id" in given else None,
        changes=services.ShippingMethodChanges(**data),
        rates=_brackets(payload.rates) if "rates" in given else None,
    )
    return _method_out(selectors.get_method(public_id=method_id))


@admin_router.delete(
    "/shipping/methods/{method_id}",
    response={204: None, **problems(401, 403, 404)},
    auth=AdminAuth("shipping.delete_shippingmethod"),
)
def delete_method(request: HttpRequest, method_id: UUID):
    services.delete_method(actor=_actor(request), method=selectors.get_method(public_id=method_id))
    return Status(204, None)
