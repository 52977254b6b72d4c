import pytest

from mercato.core.countries import (
    clean_countries,
    clean_country,
    country_choices,
    country_codes,
    country_name,
    is_country,
)
from mercato.core.errors import InvalidCountry, InvalidInput


def test_every_assigned_alpha_2_code_is_a_country():
    codes = country_codes()
    assert len(codes) == 249
    assert {"DE", "GB", "US", "AX", "SS", "CW"} <= codes
    assert not {"UK", "EU", "XK", "DEU", "de"} & codes


@pytest.mark.parametrize("code", ["DE", "FR", "JP"])
def test_is_country(code):
    assert is_country(code)


@pytest.mark.parametrize("code", ["de", " DE", "DEU", "276", "XX", "", None, 49])
def test_is_not_a_country(code):
    assert not is_country(code)


def test_names_for_the_back_office():
    assert country_name("DE") == "Germany"
    assert country_name("XX") == ""
    choices = dict(country_choices())
    assert choices["GB"] == "United Kingdom"
    assert len(choices) == 249


def test_clean_country_tidies_the_code():
    assert clean_country(" de ") == "DE"
    assert clean_country("", blank=True) == ""
    assert clean_country(None, blank=True) == ""


@pytest.mark.parametrize("value", ["XX", "Germany", "", None, 1, "DEU"])
def test_clean_country_refuses_what_is_not_a_code(value):
    with pytest.raises(InvalidCountry) as caught:
        clean_country(value, field="origin_country")
    assert caught.value.code == "invalid_country"
    assert caught.value.extra["errors"][0]["field"] == "origin_country"


def test_the_caller_keeps_its_error_class_and_the_code():
    with pytest.raises(InvalidInput) as caught:
        clean_country("XX", error=InvalidInput)
    assert type(caught.value) is InvalidInput
    assert (caught.value.code, caught.value.title) == ("invalid_country", InvalidInput.title)


def test_clean_countries_sorts_and_drops_repeats():
    assert clean_countries(["fr", "DE", " de", "AT"]) == ["AT", "DE", "FR"]
    assert clean_countries(()) == []


@pytest.mark.parametrize(("values", "unknown"), [(["DE", "XX", "zz"], "XX, ZZ"), (["DE", 5], "5")])
def test_clean_countries_names_the_unknown_codes(values, unknown):
    with pytest.raises(InvalidCountry, match=unknown):
        clean_countries(values)


def test_clean_countries_wants_a_list():
    with pytest.raises(InvalidCountry, match="a list"):
        clean_countries("DE")
