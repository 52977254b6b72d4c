"""What every shipping handler shares: the two routers, the acting staff member, and the
shapes of a zone and a method in answers."""

from decimal import Decimal
from typing import Any

from ninja import Router

from mercato.accounts.actors import staff_actor
from mercato.accounts.operations import AdminOperations
from mercato.core.money import money
from mercato.shipping.models import ShippingMethod, ShippingRate, ShippingZone

store_router = Router(tags=["store: shipping"])
admin_router = Router(tags=["admin: shipping"])

actor = staff_actor  # the staff member or app acting
admin = AdminOperations(admin_router)


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


def method_out(method: ShippingMethod) -> dict[str, Any]:
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


def zone_out(zone: ShippingZone) -> dict[str, Any]:
    return {
        "id": zone.public_id,
        "name": zone.name,
        "countries": zone.countries,
        "is_active": zone.is_active,
        "methods": [method_out(method) for method in zone.methods.all()],
    }
