from decimal import Decimal
from uuid import uuid4

import pytest

from mercato.core.errors import DomainError
from mercato.shipping.errors import ShippingMethodUnavailable
from mercato.shipping.selectors import ShippingQuote, list_available_methods, quote_method
from mercato.shipping.tests.factories import brackets, make_method, make_zone

pytestmark = pytest.mark.django_db


def offered(country: str = "DE", weight: int = 1000, subtotal: str = "20.00") -> dict[str, str]:
    return {
        q.name: str(q.price)
        for q in list_available_methods(
            country=country, weight_grams=weight, subtotal=Decimal(subtotal)
        )
    }


def test_a_country_in_several_zones_gets_the_methods_of_each():
    dach = make_zone("DACH", ["DE", "AT", "CH"])
    germany = make_zone("Germany", ["DE"])
    france = make_zone("France", ["FR"])
    make_method(dach, "DACH parcel", price="7.00")
    make_method(germany, "Local courier", price="3.00")
    make_method(france, "Colissimo", price="6.00")

    assert offered("DE") == {"DACH parcel": "7.00", "Local courier": "3.00"}
    assert offered("AT") == {"DACH parcel": "7.00"}
    assert offered("fr") == {"Colissimo": "6.00"}
    assert offered("US") == {}


def test_inactive_zones_and_methods_are_hidden():
    live = make_zone("Live", ["DE"])
    make_method(live, "On", price="4.00")
    off = make_method(live, "Off", price="1.00", is_active=False)
    asleep = make_zone("Asleep", ["DE"], is_active=False)
    dormant = make_method(asleep, "In a sleeping zone", price="1.00")

    assert offered("DE") == {"On": "4.00"}
    for method in (off, dormant):
        with pytest.raises(ShippingMethodUnavailable):
            quote_method(
                method_public_id=method.public_id,
                country="DE",
                weight_grams=1000,
                subtotal=Decimal("20"),
            )


@pytest.mark.parametrize(
    ("weight", "subtotal", "served"),
    [
        (99, "20.00", False),
        (100, "20.00", True),
        (5000, "20.00", True),
        (5001, "20.00", False),
        (1000, "9.99", False),
        (1000, "10.00", True),
        (1000, "200.00", True),
        (1000, "200.01", False),
    ],
)
def test_weight_and_order_value_limits_are_inclusive(weight, subtotal, served):
    zone = make_zone()
    make_method(
        zone,
        "Limited",
        price="4.90",
        min_weight_grams=100,
        max_weight_grams=5000,
        min_order_value="10.00",
        max_order_value="200.00",
    )

    assert ("Limited" in offered("DE", weight, subtotal)) is served


@pytest.mark.parametrize(
    ("weight", "price"),
    [
        (0, "5.00"),
        (1999, "5.00"),
        (2000, "8.00"),  # min inclusive, max exclusive: 2000 g is in the second bracket
        (4999, "8.00"),
        (5000, "12.00"),
        (100_000_000, "12.00"),  # the last bracket is open-ended
    ],
)
def test_weight_bracket_edges(weight, price):
    make_method(
        make_zone(),
        "By weight",
        kind="weight",
        rates=brackets((0, 2000, "5.00"), (2000, 5000, "8.00"), (5000, None, "12.00")),
    )

    assert offered("DE", weight) == {"By weight": price}


@pytest.mark.parametrize(("weight", "served"), [(999, True), (1000, False), (1999, False)])
def test_a_weight_no_bracket_covers_is_not_served(weight, served):
    make_method(
        make_zone(),
        "Gappy",
        kind="weight",
        rates=brackets((0, 1000, "5.00"), (2000, 3000, "8.00")),
    )

    assert ("Gappy" in offered("DE", weight)) is served


@pytest.mark.parametrize(
    ("subtotal", "price"),
    [("0.00", "6.90"), ("49.99", "6.90"), ("50.00", "3.90"), ("99999999.00", "3.90")],
)
def test_order_value_bracket_edges(subtotal, price):
    make_method(
        make_zone(),
        "By value",
        kind="order_value",
        rates=brackets(("0", "50.00", "6.90"), ("50.00", None, "3.90")),
    )

    assert offered("DE", 1000, subtotal) == {"By value": price}


@pytest.mark.parametrize(
    ("subtotal", "price"), [("49.99", "4.90"), ("50.00", "0.00"), ("50.01", "0.00")]
)
def test_free_above_means_at_or_above(subtotal, price):
    make_method(make_zone(), "Standard", price="4.90", free_above="50.00")

    assert offered("DE", 1000, subtotal) == {"Standard": price}


def test_free_shipping_does_not_extend_a_methods_reach():
    make_method(
        make_zone(),
        "Parcel",
        kind="weight",
        free_above="50.00",
        rates=brackets((0, 2000, "5.00")),
    )

    assert offered("DE", 1500, "60.00") == {"Parcel": "0.00"}
    assert offered("DE", 2500, "60.00") == {}


def test_methods_come_in_sort_order_then_price_then_name():
    zone = make_zone()
    make_method(zone, "Dear", price="9.00")
    make_method(zone, "Cheap", price="2.00")
    make_method(zone, "Also cheap", price="2.00")
    make_method(zone, "Pinned last", price="0.50", sort_order=9)

    assert list(offered("DE")) == ["Also cheap", "Cheap", "Dear", "Pinned last"]


def test_quote_method_gives_the_price_and_estimate():
    method = make_method(
        make_zone(),
        "Standard",
        description="Tracked",
        price="4.90",
        min_delivery_days=1,
        max_delivery_days=3,
        tax_class_slug="standard",
    )

    quote = quote_method(
        method_public_id=str(method.public_id),
        country="de",
        weight_grams=1200,
        subtotal=Decimal("49.90"),
    )

    assert quote == ShippingQuote(
        method_id=method.public_id,
        name="Standard",
        price=Decimal("4.90"),
        currency="EUR",
        min_delivery_days=1,
        max_delivery_days=3,
        tax_class_slug="standard",
        description="Tracked",
    )
    assert list_available_methods(country="DE", weight_grams=1200, subtotal=Decimal("49.90")) == [
        quote
    ]


@pytest.mark.parametrize(
    ("method_id", "country", "weight", "detail"),
    [
        ("known", "FR", 1000, "does not ship to FR"),
        ("known", "DE", 3001, "up to 3000 g"),
        (uuid4(), "DE", 1000, "No such shipping method"),
        ("not-a-uuid", "DE", 1000, "No such shipping method"),
    ],
)
def test_quote_method_refuses_what_the_method_does_not_serve(method_id, country, weight, detail):
    method = make_method(make_zone(), "Small parcel", price="4.90", max_weight_grams=3000)
    make_zone("France", ["FR"])

    with pytest.raises(ShippingMethodUnavailable) as refused:
        quote_method(
            method_public_id=method.public_id if method_id == "known" else method_id,
            country=country,
            weight_grams=weight,
            subtotal=Decimal("20"),
        )

    assert refused.value.code == "shipping_method_unavailable"
    assert refused.value.status == 422
    assert detail in str(refused.value)


@pytest.mark.parametrize(
    ("country", "weight", "subtotal", "code"),
    [
        ("XX", 1000, Decimal("1"), "invalid_country"),
        ("DEU", 1000, Decimal("1"), "invalid_country"),
        ("", 1000, Decimal("1"), "invalid_country"),
        (None, 1000, Decimal("1"), "invalid_country"),
        ("DE", -1, Decimal("1"), "invalid_weight"),
        ("DE", 10**12, Decimal("1"), "invalid_weight"),
        ("DE", 1.5, Decimal("1"), "invalid_weight"),
        ("DE", 1000, Decimal("-0.01"), "invalid_price"),
        ("DE", 1000, Decimal("1e20"), "invalid_price"),
        ("DE", 1000, Decimal("NaN"), "invalid_price"),
        ("DE", 1000, 19.99, "invalid_price"),
    ],
)
def test_bad_order_input_is_refused_with_a_code(country, weight, subtotal, code):
    method = make_method(make_zone(), "Standard", price="4.90")

    for call in (
        lambda: list_available_methods(country=country, weight_grams=weight, subtotal=subtotal),
        lambda: quote_method(
            method_public_id=method.public_id,
            country=country,
            weight_grams=weight,
            subtotal=subtotal,
        ),
    ):
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == code
        assert refused.value.status == 422


def _many_methods(count: int) -> None:
    zones = [make_zone("Germany", ["DE"]), make_zone("Europe", ["DE", "FR"])]
    for i in range(count):
        zone = zones[i % 2]
        if i % 3 == 0:
            make_method(zone, f"Flat {i}", price="4.90", free_above="100")
        elif i % 3 == 1:
            make_method(zone, f"Weight {i}", kind="weight", rates=brackets((0, 5000, "6.00")))
        else:
            make_method(zone, f"Value {i}", kind="order_value", rates=brackets(("0", None, "3.00")))


@pytest.mark.parametrize("count", [2, 20])
def test_listing_takes_three_queries_whatever_the_number_of_methods(
    count, django_assert_max_num_queries
):
    _many_methods(count)

    with django_assert_max_num_queries(3):
        quotes = list_available_methods(country="DE", weight_grams=1000, subtotal=Decimal("20"))

    assert len(quotes) == count


@pytest.mark.parametrize("kind", ["flat", "weight"])
def test_quoting_one_method_takes_at_most_three_queries(kind, django_assert_max_num_queries):
    rates = brackets((0, 5000, "6.00")) if kind == "weight" else None
    method = make_method(make_zone(), "One", kind=kind, price="4.90", rates=rates)

    with django_assert_max_num_queries(3):
        quote = quote_method(
            method_public_id=method.public_id,
            country="DE",
            weight_grams=1000,
            subtotal=Decimal("20"),
        )

    assert quote.price == Decimal("6.00" if kind == "weight" else "4.90")
