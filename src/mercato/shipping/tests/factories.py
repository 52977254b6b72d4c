"""Shipping test data, built through the services (as staff would build it)."""

from typing import Any

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import SYSTEM
from mercato.shipping import services
from mercato.shipping.models import ShippingMethod, ShippingRate, ShippingZone

SHIPPING_MODELS = [ShippingZone, ShippingMethod, ShippingRate, AuditLogEntry]


def make_zone(name: str = "Germany", countries=("DE",), **changes: Any) -> ShippingZone:
    return services.save_zone(
        actor=SYSTEM,
        changes=services.ShippingZoneChanges(name=name, countries=list(countries), **changes),
    )


def make_method(
    zone: ShippingZone, name: str = "Standard", *, rates=None, **changes: Any
) -> ShippingMethod:
    return services.save_method(
        actor=SYSTEM,
        zone=zone,
        changes=services.ShippingMethodChanges(name=name, **changes),
        rates=rates,
    )


def brackets(*rows) -> list[services.Bracket]:
    """(min, max, price) rows as service input."""
    return [
        services.Bracket(min_value=low, max_value=high, price=price) for low, high, price in rows
    ]


def bracket_json(*rows) -> list[dict[str, Any]]:
    """(min, max, price) rows as an API request's `rates`."""
    return [{"min_value": low, "max_value": high, "price": price} for low, high, price in rows]


def shipping_state() -> dict[str, list[tuple]]:
    """Every shipping row and the audit log, to show that a refused change changed nothing."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in SHIPPING_MODELS
    }
