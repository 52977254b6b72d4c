from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.shipping import selectors, services
from mercato.shipping.api.common import actor, admin, method_out
from mercato.shipping.schemas import MethodIn, MethodOut, MethodPatch, RateIn

methods_admin = admin.resource("shipping.shippingmethod")


def _brackets(rates: list[RateIn]) -> list[services.Bracket]:
    return [services.Bracket(**rate.dict()) for rate in rates]


@methods_admin.read("/shipping/methods", out=list[MethodOut], errors=(404, 422))
def list_methods(request: HttpRequest, zone: UUID | None = None):
    """Every method (of one zone with `zone=<id>`), with its brackets."""
    methods = selectors.list_methods(
        zone=selectors.get_zone(public_id=zone) if zone is not None else None
    )
    return [method_out(method) for method in methods]


@methods_admin.create("/shipping/zones/{zone_id}/methods", out=MethodOut, errors=(404, 422))
def create_method(request: HttpRequest, zone_id: UUID, payload: MethodIn):
    """Add a method to a zone; a weight or order_value method comes with its brackets."""
    data = payload.dict(exclude={"rates"})
    method = services.save_method(
        actor=actor(request),
        zone=selectors.get_zone(public_id=zone_id),
        changes=services.ShippingMethodChanges(**data),
        rates=_brackets(payload.rates),
    )
    return Status(201, method_out(selectors.get_method(public_id=method.public_id)))


@methods_admin.read("/shipping/methods/{method_id}", out=MethodOut, errors=(404,))
def get_method(request: HttpRequest, method_id: UUID):
    return method_out(selectors.get_method(public_id=method_id))


@methods_admin.update("/shipping/methods/{method_id}", out=MethodOut)
def update_method(request: HttpRequest, method_id: UUID, payload: MethodPatch):
    """Change a method; `rates` replaces all its brackets, `zone_id` moves it."""
    method = selectors.get_method(public_id=method_id)
    data = payload.dict(exclude_unset=True, exclude={"zone_id", "rates"})
    given = payload.model_fields_set
    services.save_method(
        actor=actor(request),
        method=method,
        zone=selectors.get_zone(public_id=payload.zone_id) if "zone_id" in given else None,
        changes=services.ShippingMethodChanges(**data),
        rates=_brackets(payload.rates) if "rates" in given else None,
    )
    return method_out(selectors.get_method(public_id=method_id))


@methods_admin.delete("/shipping/methods/{method_id}")
def delete_method(request: HttpRequest, method_id: UUID) -> None:
    services.delete_method(actor=actor(request), method=selectors.get_method(public_id=method_id))
