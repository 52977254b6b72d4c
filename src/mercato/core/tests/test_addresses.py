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
