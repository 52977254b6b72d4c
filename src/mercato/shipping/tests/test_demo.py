from decimal import Decimal

import pytest
from django.core.management import call_command

from mercato.core.countries import country_codes
from mercato.shipping.models import ShippingMethod, ShippingZone
from mercato.shipping.selectors import list_available_methods

pytestmark = pytest.mark.django_db


def offered(country: str, weight: int, subtotal: str) -> dict[str, str]:
    return {
        q.name: str(q.price)
        for q in list_available_methods(
            country=country, weight_grams=weight, subtotal=Decimal(subtotal)
        )
    }


def test_the_demo_covers_every_country_once_and_loads_only_once():
    call_command("load_demo_shipping")
    call_command("load_demo_shipping")

    zones = list(ShippingZone.objects.all())
    assert sorted(z.name for z in zones) == [
        "EU",
        "Germany",
        "Rest of world",
        "UK",
        "United States",
    ]
    covered = [code for zone in zones for code in zone.countries]
    assert sorted(covered) == sorted(country_codes())
    assert set(ShippingMethod.objects.values_list("kind", flat=True)) == {
        "flat",
        "weight",
        "order_value",
    }


def test_the_demo_prices_look_like_a_real_shop():
    call_command("load_demo_shipping")

    assert offered("DE", 1200, "49.90") == {"Standard": "4.90", "Express": "12.90"}
    assert offered("DE", 1200, "50.00") == {"Standard": "0.00", "Express": "12.90"}
    assert offered("DE", 40000, "50.00") == {"Freight": "39.00"}
    assert offered("FR", 2000, "20.00") == {"Standard EU": "12.90", "Express EU": "24.90"}
    assert offered("GB", 500, "20.00") == {"Standard UK": "12.90"}
    assert offered("US", 500, "120.00") == {"Standard US": "14.90", "Express US": "39.90"}
    assert offered("JP", 500, "20.00") == {"International": "19.90"}
    assert all(
        q.min_delivery_days and q.max_delivery_days and q.tax_class_slug == "standard"
        for q in list_available_methods(country="DE", weight_grams=1, subtotal=Decimal("1"))
    )
