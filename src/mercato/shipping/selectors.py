"""Shipping reads. `list_available_methods` and `quote_method` are what the checkout calls:
the methods that serve an address, a weight and an order value, each with its price.

The rules (see models.py): a method is offered when it and its zone are active, its zone lists
the country, `min_weight_grams <= weight <= max_weight_grams` and `min_order_value <= subtotal
<= max_order_value` (limits inclusive, empty means none), and, for a bracket kind, a bracket
covers the weight (grams) or the subtotal: `min_value <= value < max_value`. Its price is the
flat price or that bracket's price, and 0.00 when `subtotal >= free_above`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from uuid import UUID

from django.db.models import QuerySet

from mercato.core.countries import clean_country
from mercato.shipping.errors import (
    InvalidPrice,
    ShippingMethodNotFound,
    ShippingMethodUnavailable,
    ZoneNotFound,
)
from mercato.shipping.models import MAX_AMOUNT, ShippingMethod, ShippingRate, ShippingZone
from mercato.shipping.services import clean_weight

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ShippingQuote:
    """What a shipping method costs for one order: `price` in `currency`, before tax (the
    pricing pipeline taxes it with `tax_class_slug`)."""

    method_id: UUID
    name: str
    price: Decimal
    currency: str
    min_delivery_days: int | None
    max_delivery_days: int | None
    tax_class_slug: str
    description: str = ""


# --- checkout interface ---------------------------------------------------------------------


def _clean_subtotal(value: object) -> Decimal:
    """Not rounded: free shipping and brackets compare the order value as it is. A float is
    refused (tests pin it): 19.99 is not the amount a caller meant."""
    if isinstance(value, bool | float):
        raise InvalidPrice("subtotal is a Decimal (or a string), not a float.", field="subtotal")
    try:
        subtotal = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidPrice("subtotal is not a number.", field="subtotal") from exc
    if not subtotal.is_finite() or not 0 <= subtotal <= MAX_AMOUNT:
        raise InvalidPrice(f"subtotal is between 0 and {MAX_AMOUNT}.", field="subtotal")
    return subtotal


def _order(country: str, weight_grams: int, subtotal: object) -> tuple[str, int, Decimal]:
    return (
        clean_country(country),
        clean_weight(weight_grams, field="weight_grams"),
        _clean_subtotal(subtotal),
    )


def _price_or_refusal(
    method: ShippingMethod, rates: list[ShippingRate], weight: int, subtotal: Decimal
) -> Decimal | str:
    """The method's price for this order, or why it does not serve it."""
    if method.min_weight_grams is not None and weight < method.min_weight_grams:
        return f"it ships parcels from {method.min_weight_grams} g"
    if method.max_weight_grams is not None and weight > method.max_weight_grams:
        return f"it ships parcels up to {method.max_weight_grams} g"
    if method.min_order_value is not None and subtotal < method.min_order_value:
        return f"it needs an order value of at least {method.min_order_value}"
    if method.max_order_value is not None and subtotal > method.max_order_value:
        return f"it serves order values up to {method.max_order_value}"
    if method.uses_brackets:
        value = weight if method.kind == ShippingMethod.Kind.WEIGHT else subtotal
        rate = next((r for r in rates if r.covers(value)), None)
        if rate is None:
            return "none of its brackets covers this order"
        price = rate.price
    else:
        price = method.price
    if method.free_above is not None and subtotal >= method.free_above:
        price = ZERO
    return price


def _offered(
    methods: Iterable[ShippingMethod], weight: int, subtotal: Decimal
) -> list[ShippingQuote]:
    """The methods that serve this order, priced, in the shop's order (sort_order, then
    price, then name); their brackets are prefetched."""
    offered = []
    for method in methods:
        price = _price_or_refusal(method, list(method.rates.all()), weight, subtotal)
        if isinstance(price, Decimal):
            offered.append((method, price))
    offered.sort(key=lambda pair: (pair[0].sort_order, pair[1], pair[0].name, pair[0].pk))
    return [_quote(method, price) for method, price in offered]


def _quote(method: ShippingMethod, price: Decimal) -> ShippingQuote:
    return ShippingQuote(
        method_id=method.public_id,
        name=method.name,
        price=price,
        currency=method.currency,
        min_delivery_days=method.min_delivery_days,
        max_delivery_days=method.max_delivery_days,
        tax_class_slug=method.tax_class_slug,
        description=method.description,
    )


def active_methods() -> list[ShippingMethod]:
    """Every active method of an active zone, with its zone and brackets (two queries): what
    `offered_methods` and `quote_loaded` choose from. The checkout keeps this list in memory
    under the pricing rules' version."""
    return list(
        ShippingMethod.objects.filter(is_active=True, zone__is_active=True)
        .select_related("zone")
        .prefetch_related("rates")
    )


def offered_methods(
    methods: list[ShippingMethod], *, country: str, weight_grams: int, subtotal: Decimal
) -> list[ShippingQuote]:
    """`list_available_methods` over methods loaded by `active_methods` (no query)."""
    country, weight, subtotal = _order(country, weight_grams, subtotal)
    serving = (
        method
        for method in methods
        if method.is_active and method.zone.is_active and method.zone.covers(country)
    )
    return _offered(serving, weight, subtotal)


def list_available_methods(
    *, country: str, weight_grams: int, subtotal: Decimal
) -> list[ShippingQuote]:
    """Every method that serves this country, weight and order value, priced, in the shop's
    order (sort_order, then price, then name). At most 3 queries, however many methods.
    Raises InvalidCountry, InvalidWeight or InvalidPrice for bad input."""
    country, weight, subtotal = _order(country, weight_grams, subtotal)
    zone_ids = [
        pk
        for pk, countries in ShippingZone.objects.filter(is_active=True).values_list(
            "pk", "countries"
        )
        if country in (countries or [])
    ]
    if not zone_ids:
        return []
    methods = ShippingMethod.objects.filter(zone_id__in=zone_ids, is_active=True).prefetch_related(
        "rates"
    )
    return _offered(methods, weight, subtotal)


def _public_id(value: UUID | str) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _quote_found(
    method: ShippingMethod | None, country: str, weight: int, subtotal: Decimal
) -> ShippingQuote:
    if method is None:
        raise ShippingMethodUnavailable(
            "No such shipping method is offered.", field="shipping_method"
        )
    if not method.zone.covers(country):
        raise ShippingMethodUnavailable(
            f"{method.name} does not ship to {country}.", field="shipping_method"
        )
    rates = list(method.rates.all()) if method.uses_brackets else []
    price = _price_or_refusal(method, rates, weight, subtotal)
    if not isinstance(price, Decimal):
        raise ShippingMethodUnavailable(
            f"{method.name} does not serve this order: {price}.", field="shipping_method"
        )
    return _quote(method, price)


def quote_method(
    *, method_public_id: UUID | str, country: str, weight_grams: int, subtotal: Decimal
) -> ShippingQuote:
    """The price of one method for this order (two queries), or ShippingMethodUnavailable
    (422 `shipping_method_unavailable`) when it is unknown, switched off or does not serve
    this country, weight or order value."""
    country, weight, subtotal = _order(country, weight_grams, subtotal)
    public_id = _public_id(method_public_id)
    method = (
        ShippingMethod.objects.select_related("zone")
        .filter(public_id=public_id, is_active=True, zone__is_active=True)
        .first()
        if public_id
        else None
    )
    return _quote_found(method, country, weight, subtotal)


def quote_loaded(
    methods: list[ShippingMethod],
    *,
    method_public_id: UUID | str,
    country: str,
    weight_grams: int,
    subtotal: Decimal,
) -> ShippingQuote:
    """`quote_method` over methods loaded by `active_methods` (no query)."""
    country, weight, subtotal = _order(country, weight_grams, subtotal)
    public_id = _public_id(method_public_id)
    method = next(
        (
            m
            for m in methods
            if public_id and m.public_id == public_id and m.is_active and m.zone.is_active
        ),
        None,
    )
    return _quote_found(method, country, weight, subtotal)


# --- back office ----------------------------------------------------------------------------


def list_zones() -> QuerySet[ShippingZone]:
    """Zones with their methods and the methods' brackets (three queries)."""
    return ShippingZone.objects.prefetch_related("methods__rates")


def list_methods(*, zone: ShippingZone | None = None) -> QuerySet[ShippingMethod]:
    """Methods with their zone and brackets (two queries)."""
    methods = ShippingMethod.objects.select_related("zone").prefetch_related("rates")
    if zone is not None:
        methods = methods.filter(zone=zone)
    return methods.order_by("zone__name", "zone_id", "sort_order", "name", "pk")


def get_zone(*, public_id: UUID) -> ShippingZone:
    zone = list_zones().filter(public_id=public_id).first()
    if zone is None:
        raise ZoneNotFound("No such shipping zone.")
    return zone


def get_method(*, public_id: UUID) -> ShippingMethod:
    method = list_methods().filter(public_id=public_id).first()
    if method is None:
        raise ShippingMethodNotFound("No such shipping method.")
    return method
