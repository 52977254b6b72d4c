import pytest

from mercato.core.addresses import clean_address
from mercato.core.errors import InvalidInput

BASE = {"first_name": "Ada", "last_name": "Byron", "line1": "Main St 1", "city": "Town"}


@pytest.mark.parametrize(
    ("country", "postal_code", "region", "stored"),
    [
        ("de", "10115", "", "10115"),
        ("NL", "1012 ab", "", "1012 AB"),
        ("PL", "00-950", "", "00-950"),
        ("PT", "1000-001", "", "1000-001"),
        ("GB", "sw1a 1aa", "", "SW1A 1AA"),
        ("US", "10001-1234", "ny", "10001-1234"),
        ("IE", "", "", ""),
        ("JP", "100-0001", "", "100-0001"),
    ],
)
def test_valid_addresses_are_normalised(country, postal_code, region, stored):
    address = clean_address(
        {**BASE, "country": country, "postal_code": postal_code, "region": region}
    )

    assert address["country"] == country.upper()
    assert address["postal_code"] == stored


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"country": "DE", "postal_code": "1011"}, ["postal_code"]),
        ({"country": "DE", "postal_code": ""}, ["postal_code"]),
        ({"country": "FR", "postal_code": "75OO1"}, ["postal_code"]),
        ({"country": "GB", "postal_code": "12345"}, ["postal_code"]),
        ({"country": "US", "postal_code": "10001", "region": "XX"}, ["region"]),
        ({"country": "ZZ", "postal_code": "1"}, ["country"]),
        ({"country": "DE", "postal_code": "10115", "city": ""}, ["city"]),
    ],
)
def test_invalid_addresses_name_their_fields(changes, fields):
    with pytest.raises(InvalidInput) as caught:
        clean_address({**BASE, **changes})

    assert caught.value.code == "invalid_address"
    assert [error["field"] for error in caught.value.extra["errors"]] == fields


def test_unknown_fields_are_refused():
    with pytest.raises(InvalidInput):
        clean_address({**BASE, "country": "DE", "postal_code": "10115", "planet": "Mars"})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country": "CH", "postal_code": ""}, "postal_code"),  # Google's data: required
        ({"country": "CH", "postal_code": "80011"}, "postal_code"),
        ({"country": "CA", "postal_code": "H3Z 2Y"}, "postal_code"),
        ({"country": "GB", "postal_code": "SW1A 1AAX"}, "postal_code"),  # matched in full
        ({"country": "US", "postal_code": "90210", "region": "NY"}, "postal_code"),  # CA ZIP
        ({"country": "US", "postal_code": "10001", "region": ""}, "region"),
    ],
)
def test_postal_codes_of_every_country_come_from_googles_data(changes, field):
    with pytest.raises(InvalidInput) as caught:
        clean_address({**BASE, **changes})

    assert [error["field"] for error in caught.value.extra["errors"]] == [field]


@pytest.mark.parametrize(
    ("country", "postal_code"),
    [("CH", "8001"), ("CA", "h3z 2y7"), ("NO", "0025"), ("AE", ""), ("IE", "A65 F4E2")],
)
def test_more_countries_are_checked(country, postal_code):
    address = clean_address({**BASE, "country": country, "postal_code": postal_code})

    assert address["postal_code"] == postal_code.upper()
