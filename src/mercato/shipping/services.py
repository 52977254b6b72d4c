"""Shipping: every change to zones, methods and their price brackets. Each function owns its
transaction, checks its input (bad input raises a DomainError and changes nothing) and writes
the audit log. The back office calls the same `clean_*` helpers to show errors on its forms."""

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.db import transaction

from mercato.audit.services import Actor, audited_save, record_change, record_save, snapshot
from mercato.core.countries import clean_countries
from mercato.core.errors import InvalidInput
from mercato.core.money import CENT, parse_amount
from mercato.shipping.errors import (
    BracketsNotAllowed,
    InvalidBracket,
    InvalidDeliveryEstimate,
    InvalidLimits,
    InvalidPrice,
    InvalidWeight,
    MissingBrackets,
    OverlappingBrackets,
    UnsupportedCurrency,
)
from mercato.shipping.models import (
    MAX_DELIVERY_DAYS,
    MAX_WEIGHT_GRAMS,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
)

MAX_BRACKETS = 100
ZONE_FIELDS = ("name", "countries", "is_active")
METHOD_FIELDS = (
    "name",
    "description",
    "kind",
    "price",
    "currency",
    "free_above",
    "min_weight_grams",
    "max_weight_grams",
    "min_order_value",
    "max_order_value",
    "min_delivery_days",
    "max_delivery_days",
    "tax_class_slug",
    "is_active",
    "sort_order",
)
SLUG = re.compile(r"^[-a-z0-9_]+$")


# --- checks (pure: also used by the back office forms) -------------------------------------


def clean_weight(value: Any, *, field: str, required: bool = True) -> int | None:
    """A weight in whole grams, from 0 to MAX_WEIGHT_GRAMS."""
    if value is None or value == "":
        if required:
            raise InvalidWeight(f"{field} is required.", field=field)
        return None
    try:  # str(True) is not a number
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidWeight(f"{field} is a whole number of grams.", field=field) from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise InvalidWeight(f"{field} is a whole number of grams.", field=field)
    if not 0 <= number <= MAX_WEIGHT_GRAMS:
        raise InvalidWeight(f"{field} is between 0 and {MAX_WEIGHT_GRAMS} g.", field=field)
    return int(number)


def _clean_days(value: int | None, *, field: str) -> int | None:
    if value is None or value == "":
        return None
    if not 0 <= value <= MAX_DELIVERY_DAYS:
        raise InvalidDeliveryEstimate(f"{field} is between 0 and {MAX_DELIVERY_DAYS}.", field=field)
    return value


def clean_method(method: ShippingMethod) -> None:
    """Check and normalise a method's own fields (not its brackets), in place."""
    method.name = (method.name or "").strip()
    if not method.name or len(method.name) > 100:
        raise InvalidInput("A name of 1 to 100 characters is required.", field="name")
    if method.kind not in ShippingMethod.Kind.values:
        raise InvalidInput(
            f"kind is one of {', '.join(ShippingMethod.Kind.values)}.",
            code="invalid_kind",
            field="kind",
        )
    method.price = parse_amount(method.price, field="price", error=InvalidPrice)
    method.free_above = parse_amount(
        method.free_above, field="free_above", required=False, error=InvalidPrice
    )
    method.min_order_value = parse_amount(
        method.min_order_value, field="min_order_value", required=False, error=InvalidPrice
    )
    method.max_order_value = parse_amount(
        method.max_order_value, field="max_order_value", required=False, error=InvalidPrice
    )
    method.min_weight_grams = clean_weight(
        method.min_weight_grams, field="min_weight_grams", required=False
    )
    method.max_weight_grams = clean_weight(
        method.max_weight_grams, field="max_weight_grams", required=False
    )
    method.min_delivery_days = _clean_days(method.min_delivery_days, field="min_delivery_days")
    method.max_delivery_days = _clean_days(method.max_delivery_days, field="max_delivery_days")
    for low, high, error in (
        ("min_weight_grams", "max_weight_grams", InvalidLimits),
        ("min_order_value", "max_order_value", InvalidLimits),
        ("min_delivery_days", "max_delivery_days", InvalidDeliveryEstimate),
    ):
        a, b = getattr(method, low), getattr(method, high)
        if a is not None and b is not None and a > b:
            raise error(f"{low} is above {high}.", field=low)
    method.currency = (method.currency or settings.STORE_CURRENCY).strip().upper()
    if method.currency != settings.STORE_CURRENCY:
        raise UnsupportedCurrency(
            f"The shop sells in {settings.STORE_CURRENCY} only.", field="currency"
        )
    method.tax_class_slug = (method.tax_class_slug or "").strip()
    if method.tax_class_slug and (
        len(method.tax_class_slug) > 100 or not SLUG.match(method.tax_class_slug)
    ):
        raise InvalidInput(
            "tax_class_slug is a slug (lower-case letters, digits, - and _).",
            code="invalid_slug",
            field="tax_class_slug",
        )
    method.description = (method.description or "").strip()
    if method.is_active is None:  # a patch's null
        raise InvalidInput("is_active is true or false.", field="is_active")
    if method.sort_order is None:
        raise InvalidInput("sort_order is a whole number.", field="sort_order")
    if not 0 <= method.sort_order <= 1_000_000:
        raise InvalidInput("sort_order is between 0 and 1000000.", field="sort_order")


def clean_brackets(*, kind: str, brackets: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check a method's brackets and return them sorted by `min_value`. Each covers
    `min_value <= value < max_value` (max empty: open-ended); two may meet (one's max is the
    next one's min) but not overlap. Weight brackets hold whole grams."""
    rows = list(brackets)
    if kind not in ShippingMethod.BRACKET_KINDS:
        if rows:
            raise BracketsNotAllowed(
                "Only weight and order_value methods have brackets.", field="rates"
            )
        return []
    if not rows:
        raise MissingBrackets(
            "A weight or order_value method needs at least one bracket.", field="rates"
        )
    if len(rows) > MAX_BRACKETS:
        raise InvalidBracket(f"At most {MAX_BRACKETS} brackets.", field="rates")
    clean = []
    for i, row in enumerate(rows):
        field = f"rates.{i}"
        if kind == ShippingMethod.Kind.WEIGHT:
            low = clean_weight(row.get("min_value"), field=f"{field}.min_value")
            high = clean_weight(row.get("max_value"), field=f"{field}.max_value", required=False)
        else:
            low = parse_amount(row.get("min_value"), field=f"{field}.min_value", error=InvalidPrice)
            high = parse_amount(
                row.get("max_value"), field=f"{field}.max_value", required=False, error=InvalidPrice
            )
        if high is not None and high <= low:
            raise InvalidBracket(
                "A bracket's max_value is above its min_value.", field=f"{field}.max_value"
            )
        clean.append(
            {
                "min_value": Decimal(low).quantize(CENT),
                "max_value": None if high is None else Decimal(high).quantize(CENT),
                "price": parse_amount(row.get("price"), field=f"{field}.price", error=InvalidPrice),
            }
        )
    clean.sort(key=lambda row: row["min_value"])
    for before, after in pairwise(clean):
        if before["max_value"] is None or before["max_value"] > after["min_value"]:
            upper = "∞" if before["max_value"] is None else before["max_value"]
            raise OverlappingBrackets(
                f"The bracket {before['min_value']} to {upper} overlaps the bracket starting at "
                f"{after['min_value']}.",
                field="rates",
            )
    return clean


# --- audit ----------------------------------------------------------------------------------


def _rates_snapshot(rates: Iterable[ShippingRate | dict[str, Any]]) -> list[list[str | None]]:
    def get(rate: Any, name: str) -> Any:
        return rate[name] if isinstance(rate, dict) else getattr(rate, name)

    return [
        [
            str(get(r, "min_value")),
            None if get(r, "max_value") is None else str(get(r, "max_value")),
            str(get(r, "price")),
        ]
        for r in rates
    ]


def _method_snapshot(method: ShippingMethod, rates: list | None = None) -> dict[str, Any]:
    data = snapshot(method)
    data["zone"] = str(method.zone.public_id) if method.zone_id else None
    data["rates"] = _rates_snapshot(
        rates if rates is not None else method.rates.order_by("min_value")
    )
    return data


# --- zones ----------------------------------------------------------------------------------


def save_zone(
    *, actor: Actor, zone: ShippingZone | None = None, changes: dict[str, Any]
) -> ShippingZone:
    """Create a zone (`zone` None) or change one; `changes` holds any of name, countries,
    is_active."""
    creating = zone is None
    with transaction.atomic():
        zone = (
            ShippingZone() if creating else ShippingZone.objects.select_for_update().get(pk=zone.pk)
        )
        before = None if creating else snapshot(zone)
        for name in ZONE_FIELDS:
            if name in changes:
                setattr(zone, name, changes[name])
        zone.name = (zone.name or "").strip()
        if not zone.name or len(zone.name) > 100:
            raise InvalidInput("A name of 1 to 100 characters is required.", field="name")
        zone.countries = clean_countries(zone.countries)
        if zone.is_active is None:  # a patch's null
            raise InvalidInput("is_active is true or false.", field="is_active")
        audited_save(zone, actor=actor, before=before)
    return zone


def delete_zone(*, actor: Actor, zone: ShippingZone) -> None:
    """Delete a zone with its methods (each logged)."""
    with transaction.atomic():
        zone = ShippingZone.objects.select_for_update().get(pk=zone.pk)
        for method in zone.methods.select_related("zone").prefetch_related("rates"):
            before = _method_snapshot(method, list(method.rates.all()))
            record_change(actor=actor, action="delete", obj=method, before=before)
        before = snapshot(zone)
        record_change(actor=actor, action="delete", obj=zone, before=before)
        zone.delete()


# --- methods --------------------------------------------------------------------------------


def save_method(
    *,
    actor: Actor,
    method: ShippingMethod | None = None,
    zone: ShippingZone | None = None,
    changes: dict[str, Any],
    rates: list[dict[str, Any]] | None = None,
) -> ShippingMethod:
    """Create a method in `zone` (`method` None) or change one (a `zone` moves it). `changes`
    holds any of METHOD_FIELDS. `rates` ({min_value, max_value, price} each) replaces the
    brackets; None keeps them. A flat method keeps no brackets."""
    creating = method is None
    if creating and zone is None:
        raise InvalidInput("A new method needs a zone.", code="zone_required", field="zone")
    with transaction.atomic():
        if creating:
            method = ShippingMethod(zone=zone)
            before = None
            current_rates: list[ShippingRate] = []
        else:
            method = ShippingMethod.objects.select_for_update().get(pk=method.pk)
            current_rates = list(method.rates.order_by("min_value"))
            before = _method_snapshot(method, current_rates)
            if zone is not None:
                method.zone = zone
        for name in METHOD_FIELDS:
            if name in changes:
                setattr(method, name, changes[name])
        clean_method(method)
        if rates is None:
            keep = (
                [
                    {"min_value": r.min_value, "max_value": r.max_value, "price": r.price}
                    for r in current_rates
                ]
                if method.uses_brackets
                else []
            )
            brackets = clean_brackets(kind=method.kind, brackets=keep)
        else:
            brackets = clean_brackets(kind=method.kind, brackets=rates)
        method.save()
        if _rates_snapshot(current_rates) != _rates_snapshot(brackets):
            ShippingRate.objects.filter(method=method).delete()
            ShippingRate.objects.bulk_create(ShippingRate(method=method, **row) for row in brackets)
        record_save(
            actor=actor, obj=method, before=before, after=_method_snapshot(method, brackets)
        )
    return method


def delete_method(*, actor: Actor, method: ShippingMethod) -> None:
    with transaction.atomic():
        method = ShippingMethod.objects.select_for_update().get(pk=method.pk)
        before = _method_snapshot(method)
        record_change(actor=actor, action="delete", obj=method, before=before)
        method.delete()
