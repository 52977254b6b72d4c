from decimal import Decimal as D

import pytest

from mercato.core.errors import InvalidAmount, InvalidInput
from mercato.core.money import (
    CENT,
    MAX_AMOUNT,
    minor_units,
    money,
    parse_amount,
    quantize,
    smallest_unit,
)


class InvalidPrice(InvalidInput):
    code = "invalid_price"


@pytest.mark.parametrize(
    ("currency", "places", "unit"),
    [
        ("EUR", 2, D("0.01")),
        ("usd", 2, D("0.01")),
        ("JPY", 0, D("1")),
        ("KRW", 0, D("1")),
        ("KWD", 3, D("0.001")),
        ("BHD", 3, D("0.001")),
        ("CLF", 4, D("0.0001")),
        (None, 2, CENT),
    ],
)
def test_minor_units_follow_iso_4217(currency, places, unit):
    assert minor_units(currency) == places
    assert smallest_unit(currency) == unit


def test_quantize_rounds_half_up_to_the_currency():
    assert quantize(D("2.005")) == D("2.01")
    assert str(quantize(D("2.5"), "JPY")) == "3"
    assert str(quantize(D("1.0005"), "KWD")) == "1.001"
    assert str(quantize(D("-2.005"), "EUR")) == "-2.01"


def test_money_shows_two_places():
    assert money(D("19.999"), "EUR").model_dump() == {"amount": "20.00", "currency": "EUR"}
    assert money(None, "EUR") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9.995", D("10.00")),
        (12.004, D("12.00")),
        (3, D("3.00")),
        (D("0"), D("0.00")),
        (" 4.5 ", D("4.50")),
        (str(MAX_AMOUNT), MAX_AMOUNT),
    ],
)
def test_an_amount_is_rounded_half_up_to_cents(value, expected):
    parsed = parse_amount(value, field="price")
    assert parsed == expected
    assert parsed.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "price is required."),
        ("", "price is required."),
        (True, "price is not a number."),
        ("abc", "price is not a number."),
        ([], "price is not a number."),
        ("NaN", "price must be zero or more."),
        ("Infinity", "price must be zero or more."),
        ("-0.01", "price must be zero or more."),
        ("10000000000", "price is larger than 9999999999.99."),
        ("1e999999", "price is larger than 9999999999.99."),
    ],
)
def test_what_is_not_an_amount_is_refused_with_the_callers_error(value, message):
    with pytest.raises(InvalidPrice) as caught:
        parse_amount(value, field="price", error=InvalidPrice)
    assert caught.value.code == "invalid_price"
    assert str(caught.value) == message
    assert caught.value.extra["errors"] == [{"field": "price", "message": message}]


def test_an_optional_amount_may_be_missing():
    assert parse_amount(None, field="free_above", required=False) is None
    assert parse_amount("", field="free_above", required=False) is None


def test_positive_refuses_zero():
    with pytest.raises(InvalidAmount, match="more than zero"):
        parse_amount("0", field="amount", positive=True)
    assert parse_amount("0.01", field="amount", positive=True) == CENT


def test_exact_refuses_more_decimals_than_the_currency_has():
    assert parse_amount("1.10", field="amount", exact=True) == D("1.10")
    with pytest.raises(InvalidAmount, match="at most 2 decimals") as caught:
        parse_amount("1.001", field="amount", exact=True)
    assert caught.value.code == "invalid_amount"
    with pytest.raises(InvalidAmount, match="at most 0 decimals"):
        parse_amount("100.5", field="amount", currency="JPY", exact=True)
    assert str(parse_amount("100", field="amount", currency="JPY", exact=True)) == "100"


def test_a_lower_maximum():
    with pytest.raises(InvalidAmount, match="larger than 100"):
        parse_amount("100.01", field="amount", maximum=D("100"))
