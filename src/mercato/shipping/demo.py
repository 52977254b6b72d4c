"""A sensible demo shipping setup for a shop in Germany, made through the shipping services:
Germany, the rest of the EU, the UK, the United States and the rest of the world, with flat,
weight-bracket and order-value methods, free standard shipping in Germany from 50.00, and
delivery estimates. Amounts are in the shop currency."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from mercato.audit.services import Actor
from mercato.core.countries import country_codes
from mercato.shipping import services
from mercato.shipping.models import ShippingZone

ACTOR = Actor(label="demo-data", source="command")

EU = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
PARCEL_LIMIT = 31_500  # grams


# Each zone's methods, in their sort order: (name, kind, flat price, (min, max) weight in
# grams, (min, max) delivery days). A kind other than flat is priced by its BRACKETS.
MethodRow = tuple[str, str, str | None, tuple[int | None, int | None], tuple[int, int]]
ZONES: dict[str, list[MethodRow]] = {
    "Germany": [
        ("Standard", "flat", "4.90", (None, PARCEL_LIMIT), (1, 3)),
        ("Express", "flat", "12.90", (None, PARCEL_LIMIT), (1, 1)),
        ("Freight", "weight", None, (PARCEL_LIMIT, None), (3, 7)),
    ],
    "EU": [
        ("Standard EU", "weight", None, (None, PARCEL_LIMIT), (3, 6)),
        ("Express EU", "flat", "24.90", (None, 10_000), (1, 2)),
    ],
    "UK": [("Standard UK", "weight", None, (None, PARCEL_LIMIT), (4, 7))],
    "United States": [
        ("Standard US", "order_value", None, (None, 20_000), (6, 10)),
        ("Express US", "flat", "39.90", (None, 10_000), (2, 4)),
    ],
    "Rest of world": [("International", "weight", None, (None, 20_000), (7, 21))],
}

DESCRIPTIONS = {
    "Standard": "DHL parcel, tracked. Free from 50.00.",
    "Express": "Next working day if ordered by 2 pm.",
    "Freight": "Bulky goods by forwarder, delivery by appointment.",
    "Standard EU": "Tracked parcel, priced by weight.",
    "Express EU": "Courier, one to two working days.",
    "Standard UK": "Tracked parcel; duties are paid by the recipient.",
    "Standard US": "Priced by order value: cheaper the more you order.",
    "Express US": "Courier, two to four working days.",
    "International": "Tracked parcel, priced by weight.",
}

FREE_ABOVE = {"Standard": Decimal("50.00")}

# (from, below, price): grams for weight methods, the order value for order_value ones.
BRACKETS: dict[str, list[tuple[services.Amount, services.Amount | None, str]]] = {
    "Freight": [
        (PARCEL_LIMIT, 100_000, "39.00"),
        (100_000, 500_000, "89.00"),
        (500_000, None, "189.00"),
    ],
    "Standard EU": [
        (0, 2_000, "8.90"),
        (2_000, 5_000, "12.90"),
        (5_000, 10_000, "17.90"),
        (10_000, PARCEL_LIMIT + 1, "29.90"),
    ],
    "Standard UK": [
        (0, 2_000, "12.90"),
        (2_000, 10_000, "19.90"),
        (10_000, PARCEL_LIMIT + 1, "34.90"),
    ],
    "Standard US": [
        ("0.00", "100.00", "19.90"),
        ("100.00", "250.00", "14.90"),
        ("250.00", None, "0.00"),
    ],
    "International": [(0, 2_000, "19.90"), (2_000, 5_000, "34.90"), (5_000, 20_001, "59.90")],
}


def _countries() -> dict[str, list[str]]:
    """Each zone's countries."""
    return {
        "Germany": ["DE"],
        "EU": sorted(EU - {"DE"}),
        "UK": ["GB"],
        "United States": ["US"],
        "Rest of world": sorted(country_codes() - EU - {"GB", "US"}),
    }


def _method(
    position: int,
    name: str,
    kind: str,
    price: str | None,
    weight_grams: tuple[int | None, int | None],
    days: tuple[int, int],
) -> services.ShippingMethodChanges:
    fields: dict[str, Any] = {"kind": kind}
    if price is not None:
        fields["price"] = Decimal(price)
    if name in FREE_ABOVE:
        fields["free_above"] = FREE_ABOVE[name]
    if weight_grams[0] is not None:
        fields["min_weight_grams"] = weight_grams[0]
    if weight_grams[1] is not None:
        fields["max_weight_grams"] = weight_grams[1]
    return services.ShippingMethodChanges(
        name=name,
        description=DESCRIPTIONS[name],
        tax_class_slug="standard",
        min_delivery_days=days[0],
        max_delivery_days=days[1],
        sort_order=10 * position,
        **fields,
    )


DemoZone = tuple[
    str, list[str], list[tuple[services.ShippingMethodChanges, list[services.Bracket]]]
]


def demo_zones() -> list[DemoZone]:
    """(zone name, countries, [(method fields, brackets)]) of the demo setup."""
    countries = _countries()
    return [
        (
            zone,
            countries[zone],
            [
                (
                    _method(position, *row),
                    [
                        services.Bracket(min_value=low, max_value=high, price=price)
                        for low, high, price in BRACKETS.get(row[0], [])
                    ],
                )
                for position, row in enumerate(methods, start=1)
            ],
        )
        for zone, methods in ZONES.items()
    ]


def load_demo_shipping() -> int:
    """Create the demo zones and methods when there are no zones yet; how many zones made."""
    if ShippingZone.objects.exists():
        return 0
    made = 0
    with transaction.atomic():
        for name, countries, methods in demo_zones():
            zone = services.save_zone(
                actor=ACTOR,
                changes=services.ShippingZoneChanges(
                    name=name, countries=countries, is_active=True
                ),
            )
            for fields, rates in methods:
                services.save_method(actor=ACTOR, zone=zone, changes=fields, rates=rates)
            made += 1
    return made
