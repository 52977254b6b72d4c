import pytest

from mercato.core.errors import InvalidInput
from mercato.core.tests.helpers import assert_problem
from mercato.pricing.vat import EU_COUNTRIES, FORMATS, validate_vat_number

VALIDATE = "/api/store/pricing/vat-number/validate"

# one well-formed number per member state
WELL_FORMED = {
    "ATU13585627": "AT",
    "BE0136695962": "BE",
    "BG175074752": "BG",
    "CY10259033P": "CY",
    "CZ25123891": "CZ",
    "DE136695976": "DE",
    "DK13585628": "DK",
    "EE100931558": "EE",
    "EL094259216": "GR",
    "ESA28015865": "ES",
    "FI20774740": "FI",
    "FR40303265045": "FR",
    "HR33392005961": "HR",
    "HU12892312": "HU",
    "IE6388047V": "IE",
    "IT00743110157": "IT",
    "LT119511515": "LT",
    "LU15027442": "LU",
    "LV40003521600": "LV",
    "MT11679112": "MT",
    "NL004495445B01": "NL",
    "PL5260250274": "PL",
    "PT501964843": "PT",
    "RO18547290": "RO",
    "SE556188840401": "SE",
    "SI50223054": "SI",
    "SK2022749619": "SK",
}


def test_every_member_state_has_a_format_and_an_example():
    assert {("GR" if p == "EL" else p) for p in FORMATS} == EU_COUNTRIES
    assert set(WELL_FORMED.values()) == EU_COUNTRIES


@pytest.mark.parametrize(("number", "country"), WELL_FORMED.items())
def test_a_well_formed_number_gives_its_country(number, country):
    assert validate_vat_number(number) == (country, number)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("de 136 695 976", ("DE", "DE136695976")),
        ("GR094259216", ("GR", "EL094259216")),
        ("nl-004.495.445-b01", ("NL", "NL004495445B01")),
    ],
)
def test_numbers_are_normalized(raw, expected):
    assert validate_vat_number(raw) == expected


@pytest.mark.parametrize(
    "number",
    [
        "",
        "DE12345678",  # DE has 9 digits
        "DE1234567890",
        "AT13585627",  # AT needs the U
        "FR0I303265045",  # no I or O in the French key
        "NL004495445A01",
        "SE556188840402",  # SE ends in 01
        "US123456789",  # not an EU country
        "GB123456789",  # no longer EU
        "XX",
        "DE" + "1" * 60,
        "ES12345678",  # ES needs a letter
    ],
)
def test_a_malformed_number_is_refused_with_a_stable_code(number):
    with pytest.raises(InvalidInput) as refused:
        validate_vat_number(number)

    assert refused.value.code == "invalid_vat_number"


def test_the_store_endpoint_answers_valid_with_country_and_normalized_number(api, db):
    response = api.post_json(VALIDATE, {"number": "el 094 259 216"})

    assert response.status_code == 200
    assert response.json() == {"valid": True, "country": "GR", "normalized": "EL094259216"}


def test_the_store_endpoint_answers_invalid_for_a_malformed_number(api, db):
    response = api.post_json(VALIDATE, {"number": "DE12345"})

    assert response.status_code == 200
    assert response.json() == {"valid": False, "country": None, "normalized": None}


@pytest.mark.parametrize(
    "body",
    [{}, {"number": ""}, {"number": 123456789}, {"number": "DE" * 30}, {"number": "x", "a": 1}],
)
def test_the_store_endpoint_refuses_bad_input(api, db, body):
    assert_problem(api.post_json(VALIDATE, body), 422, "validation_error")


@pytest.mark.parametrize(
    "number",
    [
        "DE136695977",  # DE136695976 with a wrong check digit
        "ATU13585628",
        "FR41303265045",  # the French key does not match the SIREN
        "IT00743110158",
        "NL004495446B01",
        "DE123456789",  # well-formed, but its check digit is wrong
        "DEDE136695976",  # a doubled prefix
        "XI123456782",  # Northern Ireland is not an EU member state
    ],
)
def test_check_digits_are_checked(number):
    with pytest.raises(InvalidInput) as refused:
        validate_vat_number(number)

    assert refused.value.code == "invalid_vat_number"
