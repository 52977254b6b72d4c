"""Shipping: every change to zones, methods and their price brackets. Each function owns its
transaction, checks its input (bad input raises a DomainError and changes nothing) and writes
the audit log. The back office calls the same `clean_*` helpers to show errors on its forms."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any, Literal, overload

from django.conf import settings
from django.db import transaction

from mercato.audit.services import Actor, audited_save, record_change, record_save, snapshot
from mercato.core.countries import clean_countries
from mercato.core.errors import InvalidInput
from mercato.core.inputs import UNSET, Changes, Unset
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
SLUG = re.compile(r"^[-a-z0-9_]+$")

Amount = Decimal | str | int | float
"""An amount (or a bracket bound) as the API and the back office give it; the services check
its places."""


# --- inputs (built by the API handlers and the admin from their validated input) ------------


@dataclass(frozen=True, kw_only=True)
class ShippingZoneChanges(Changes):
    """The fields of a zone to write; those left UNSET keep their value (a new zone takes the
    model's defaults)."""

    name: str | Unset = UNSET
    countries: Sequence[str] | Unset = UNSET
    is_active: bool | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class ShippingMethodChanges(Changes):
    """The fields of a method to write; those left UNSET keep their value (a
    new method takes the model's defaults). None clears a limit."""

    name: str | Unset = UNSET
    description: str | Unset = UNSET
    kind: str | Unset = UNSET
    price: Amount | Unset = UNSET
    currency: str | Unset | None = UNSET
    free_above: Amount | Unset | None = UNSET
    min_weight_grams: int | Unset | None = UNSET
    max_weight_grams: int | Unset | None = UNSET
    min_order_value: Amount | Unset | None = UNSET
    max_order_value: Amount | Unset | None = UNSET
    min_delivery_days: int | Unset | None = UNSET
    max_delivery_days: int | Unset | None = UNSET
    tax_class_slug: str | Unset = UNSET
    is_active: bool | Unset = UNSET
    sort_order: int | Unset = UNSET


METHOD_FIELDS = tuple(f.name for f in fields(ShippingMethodChanges))


@dataclass(frozen=True, kw_only=True)
class Bracket:
    """A price bracket: `min_value <= value < max_value` (max None: open-ended); grams for a
    weight method, money for an order_value one."""

    min_value: Amount
    max_value: Amount | None = None
    price: Amount


# --- checks (pure: also used by the back office forms) -------------------------------------


@overload
def clean_weight(value: object, *, field: str, required: Literal[True] = ...) -> int: ...


@overload
def clean_weight(value: object, *, field: str, required: bool) -> int | None: ...


def clean_weight(value: object, *, field: str, required: bool = True) -> int | None:
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
    if value is None:
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
    if not 0 <= method.sort_order <= 1_000_000:
        raise InvalidInput("sort_order is between 0 and 1000000.", field="sort_order")


def _bound(kind: str, value: object, *, field: str) -> Decimal:
    """A bracket bound: whole grams for a weight method, money for an order_value one."""
    if kind == ShippingMethod.Kind.WEIGHT:
        return Decimal(clean_weight(value, field=field)).quantize(CENT)
    return parse_amount(value, field=field, error=InvalidPrice)


def clean_brackets(*, kind: str, brackets: Iterable[Bracket]) -> list[Bracket]:
    """Check a method's brackets and return them sorted by `min_value`, as Decimals. Each
    covers `min_value <= value < max_value` (max empty: open-ended); two may meet (one's max
    is the next one's min) but not overlap. Weight brackets hold whole grams."""
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
    clean: list[tuple[Decimal, Decimal | None, Decimal]] = []
    for i, row in enumerate(rows):
        field = f"rates.{i}"
        low = _bound(kind, row.min_value, field=f"{field}.min_value")
        high = (
            None
            if row.max_value is None or row.max_value == ""
            else _bound(kind, row.max_value, field=f"{field}.max_value")
        )
        if high is not None and high <= low:
            raise InvalidBracket(
                "A bracket's max_value is above its min_value.", field=f"{field}.max_value"
            )
        clean.append(
            (low, high, parse_amount(row.price, field=f"{field}.price", error=InvalidPrice))
        )
    clean.sort(key=lambda row: row[0])
    for (low, high, _), (next_low, _, _) in pairwise(clean):
        if high is None or high > next_low:
            upper = "∞" if high is None else high
            raise OverlappingBrackets(
                f"The bracket {low} to {upper} overlaps the bracket starting at {next_low}.",
                field="rates",
            )
    return [Bracket(min_value=low, max_value=high, price=price) for low, high, price in clean]


# --- audit ----------------------------------------------------------------------------------


def _rates_snapshot(rates: Iterable[ShippingRate | Bracket]) -> list[list[str | None]]:
    return [
        [str(r.min_value), None if r.max_value is None else str(r.max_value), str(r.price)]
        for r in rates
    ]


def _method_snapshot(
    method: ShippingMethod, rates: Sequence[ShippingRate | Bracket] | None = None
) -> dict[str, Any]:
    data = snapshot(method)
    data["zone"] = str(method.zone.public_id) if method.zone_id else None
    data["rates"] = _rates_snapshot(
        rates if rates is not None else method.rates.order_by("min_value")
    )
    return data


# --- zones ----------------------------------------------------------------------------------


def save_zone(
    *, actor: Actor, zone: ShippingZone | None = None, changes: ShippingZoneChanges
) -> ShippingZone:
    """Create a zone (`zone` None) or change one."""
    with transaction.atomic():
        if zone is None:
            zone, before = ShippingZone(), None
        else:
            zone = ShippingZone.objects.select_for_update().get(pk=zone.pk)
            before = snapshot(zone)
        for name, value in changes.given().items():
            setattr(zone, name, value)
        zone.name = (zone.name or "").strip()
        if not zone.name or len(zone.name) > 100:
            raise InvalidInput("A name of 1 to 100 characters is required.", field="name")
        zone.countries = clean_countries(zone.countries)
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
    changes: ShippingMethodChanges,
    rates: Sequence[Bracket] | None = None,
) -> ShippingMethod:
    """Create a method in `zone` (`method` None) or change one (a `zone` moves it). `rates`
    replaces the brackets; None keeps them. A flat method keeps no brackets."""
    if method is None and zone is None:
        raise InvalidInput("A new method needs a zone.", code="zone_required", field="zone")
    with transaction.atomic():
        if method is None:
            method, before = ShippingMethod(zone=zone), None
            current_rates: list[ShippingRate] = []
        else:
            method = ShippingMethod.objects.select_for_update().get(pk=method.pk)
            current_rates = list(method.rates.order_by("min_value"))
            before = _method_snapshot(method, current_rates)
            if zone is not None:
                method.zone = zone
        for name, value in changes.given().items():
            setattr(method, name, value)
        clean_method(method)
        if rates is None:
            keep = (
                [
                    Bracket(min_value=r.min_value, max_value=r.max_value, price=r.price)
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
            ShippingRate.objects.bulk_create(
                ShippingRate(
                    method=method, min_value=b.min_value, max_value=b.max_value, price=b.price
                )
                for b in brackets
            )
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
