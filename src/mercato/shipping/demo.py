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


def _brackets(
    *rows: tuple[services.Amount, services.Amount | None, str],
) -> list[services.Bracket]:
    return [
        services.Bracket(min_value=low, max_value=high, price=price) for low, high, price in rows
    ]


def _method(name: str, description: str, **fields: Any) -> services.ShippingMethodChanges:
    return services.ShippingMethodChanges(
        name=name, description=description, tax_class_slug="standard", **fields
    )


DemoZone = tuple[
    str, list[str], list[tuple[services.ShippingMethodChanges, list[services.Bracket]]]
]


def demo_zones() -> list[DemoZone]:
    """(zone name, countries, [(method fields, brackets)]) of the demo setup."""
    rest_of_world = sorted(country_codes() - EU - {"GB", "US"})
    return [
        (
            "Germany",
            ["DE"],
            [
                (
                    _method(
                        "Standard",
                        "DHL parcel, tracked. Free from 50.00.",
                        kind="flat",
                        price=Decimal("4.90"),
                        free_above=Decimal("50.00"),
                        max_weight_grams=PARCEL_LIMIT,
                        min_delivery_days=1,
                        max_delivery_days=3,
                        sort_order=10,
                    ),
                    [],
                ),
                (
                    _method(
                        "Express",
                        "Next working day if ordered by 2 pm.",
                        kind="flat",
                        price=Decimal("12.90"),
                        max_weight_grams=PARCEL_LIMIT,
                        min_delivery_days=1,
                        max_delivery_days=1,
                        sort_order=20,
                    ),
                    [],
                ),
                (
                    _method(
                        "Freight",
                        "Bulky goods by forwarder, delivery by appointment.",
                        kind="weight",
                        min_weight_grams=PARCEL_LIMIT,
                        min_delivery_days=3,
                        max_delivery_days=7,
                        sort_order=30,
                    ),
                    _brackets(
                        (PARCEL_LIMIT, 100_000, "39.00"),
                        (100_000, 500_000, "89.00"),
                        (500_000, None, "189.00"),
                    ),
                ),
            ],
        ),
        (
            "EU",
            sorted(EU - {"DE"}),
            [
                (
                    _method(
                        "Standard EU",
                        "Tracked parcel, priced by weight.",
                        kind="weight",
                        max_weight_grams=PARCEL_LIMIT,
                        min_delivery_days=3,
                        max_delivery_days=6,
                        sort_order=10,
                    ),
                    _brackets(
                        (0, 2_000, "8.90"),
                        (2_000, 5_000, "12.90"),
                        (5_000, 10_000, "17.90"),
                        (10_000, PARCEL_LIMIT + 1, "29.90"),
                    ),
                ),
                (
                    _method(
                        "Express EU",
                        "Courier, one to two working days.",
                        kind="flat",
                        price=Decimal("24.90"),
                        max_weight_grams=10_000,
                        min_delivery_days=1,
                        max_delivery_days=2,
                        sort_order=20,
                    ),
                    [],
                ),
            ],
        ),
        (
            "UK",
            ["GB"],
            [
                (
                    _method(
                        "Standard UK",
                        "Tracked parcel; duties are paid by the recipient.",
                        kind="weight",
                        max_weight_grams=PARCEL_LIMIT,
                        min_delivery_days=4,
                        max_delivery_days=7,
                        sort_order=10,
                    ),
                    _brackets(
                        (0, 2_000, "12.90"),
                        (2_000, 10_000, "19.90"),
                        (10_000, PARCEL_LIMIT + 1, "34.90"),
                    ),
                ),
            ],
        ),
        (
            "United States",
            ["US"],
            [
                (
                    _method(
                        "Standard US",
                        "Priced by order value: cheaper the more you order.",
                        kind="order_value",
                        max_weight_grams=20_000,
                        min_delivery_days=6,
                        max_delivery_days=10,
                        sort_order=10,
                    ),
                    _brackets(
                        ("0.00", "100.00", "19.90"),
                        ("100.00", "250.00", "14.90"),
                        ("250.00", None, "0.00"),
                    ),
                ),
                (
                    _method(
                        "Express US",
                        "Courier, two to four working days.",
                        kind="flat",
                        price=Decimal("39.90"),
                        max_weight_grams=10_000,
                        min_delivery_days=2,
                        max_delivery_days=4,
                        sort_order=20,
                    ),
                    [],
                ),
            ],
        ),
        (
            "Rest of world",
            rest_of_world,
            [
                (
                    _method(
                        "International",
                        "Tracked parcel, priced by weight.",
                        kind="weight",
                        max_weight_grams=20_000,
                        min_delivery_days=7,
                        max_delivery_days=21,
                        sort_order=10,
                    ),
                    _brackets(
                        (0, 2_000, "19.90"),
                        (2_000, 5_000, "34.90"),
                        (5_000, 20_001, "59.90"),
                    ),
                ),
            ],
        ),
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
