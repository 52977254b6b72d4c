import pytest

from mercato.shipping.tests.factories import brackets, make_method, make_zone

URL = "/api/store/shipping/methods"

pytestmark = pytest.mark.django_db


@pytest.fixture
def germany():
    zone = make_zone("Germany", ["DE"])
    standard = make_method(
        zone,
        "Standard",
        description="DHL parcel",
        price="4.90",
        free_above="50.00",
        max_weight_grams=31500,
        min_delivery_days=1,
        max_delivery_days=3,
        sort_order=1,
    )
    parcel = make_method(
        zone,
        "Heavy parcel",
        kind="weight",
        min_delivery_days=2,
        max_delivery_days=4,
        sort_order=2,
        rates=brackets((0, 2000, "6.00"), (2000, None, "11.00")),
    )
    return standard, parcel


def refused(response, code: str, status: int = 422) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_available_methods_with_price_and_estimate(api, germany):
    standard, parcel = germany

    response = api.get_json(URL, {"country": "DE", "weight_grams": 1200, "subtotal": "49.90"})

    assert response.status_code == 200, response.content
    assert response.json() == [
        {
            "id": str(standard.public_id),
            "name": "Standard",
            "description": "DHL parcel",
            "price": {"amount": "4.90", "currency": "EUR"},
            "min_delivery_days": 1,
            "max_delivery_days": 3,
        },
        {
            "id": str(parcel.public_id),
            "name": "Heavy parcel",
            "description": "",
            "price": {"amount": "6.00", "currency": "EUR"},
            "min_delivery_days": 2,
            "max_delivery_days": 4,
        },
    ]


def test_free_above_and_weight_change_what_is_offered(api, germany):
    free = api.get_json(URL, {"country": "de", "weight_grams": 2000, "subtotal": "50"}).json()
    heavy = api.get_json(URL, {"country": "DE", "weight_grams": 40000, "subtotal": "50"}).json()
    abroad = api.get_json(URL, {"country": "FR", "weight_grams": 1000, "subtotal": "50"}).json()

    assert [(m["name"], m["price"]["amount"]) for m in free] == [
        ("Standard", "0.00"),
        ("Heavy parcel", "11.00"),
    ]
    assert [m["name"] for m in heavy] == ["Heavy parcel"]
    assert abroad == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"country": "XX", "weight_grams": 1000, "subtotal": "10"}, "invalid_country"),
        ({"country": "Germany", "weight_grams": 1000, "subtotal": "10"}, "invalid_country"),
        ({"country": "", "weight_grams": 1000, "subtotal": "10"}, "invalid_country"),
        ({"weight_grams": 1000, "subtotal": "10"}, "validation_error"),
        ({"country": "DE", "weight_grams": -1, "subtotal": "10"}, "validation_error"),
        ({"country": "DE", "weight_grams": 10**30, "subtotal": "10"}, "validation_error"),
        ({"country": "DE", "weight_grams": "1.5", "subtotal": "10"}, "validation_error"),
        ({"country": "DE", "weight_grams": 1000, "subtotal": "-0.01"}, "validation_error"),
        ({"country": "DE", "weight_grams": 1000, "subtotal": "1e400"}, "validation_error"),
        ({"country": "DE", "weight_grams": 1000, "subtotal": "NaN"}, "validation_error"),
        ({"country": "DE", "weight_grams": 1000, "subtotal": "abc"}, "validation_error"),
        ({"country": "DE", "weight_grams": 1000}, "validation_error"),
        ({"country": "D" * 101, "weight_grams": 1000, "subtotal": "10"}, "validation_error"),
    ],
)
def test_bad_input_is_a_problem(api, germany, params, code):
    refused(api.get_json(URL, params), code)


def test_bad_country_names_the_field(api, germany):
    response = api.get_json(URL, {"country": "XX", "weight_grams": 1000, "subtotal": "10"})

    assert response.json()["errors"][0]["field"] == "country"


@pytest.mark.parametrize("count", [2, 20])
def test_listing_costs_the_same_queries_for_2_or_20_methods(
    api, count, django_assert_max_num_queries
):
    zone = make_zone("Germany", ["DE"])
    other = make_zone("Europe", ["DE", "FR"])
    for i in range(count):
        if i % 2:
            make_method(zone, f"Flat {i}", price="4.90")
        else:
            make_method(other, f"Weight {i}", kind="weight", rates=brackets((0, None, "7")))

    with django_assert_max_num_queries(3):
        response = api.get_json(URL, {"country": "DE", "weight_grams": 500, "subtotal": "10"})

    assert response.status_code == 200
    assert len(response.json()) == count
