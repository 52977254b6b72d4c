"""Money: ISO 4217 minor units, the one amount parser, and the API's money shape
`{"amount": "19.99", "currency": "EUR"}` (amounts as strings).

Amounts are `Decimal`s in the currency's major unit with as many places as the currency has
minor-unit digits (EUR 2, JPY 0, KWD 3).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, overload

from ninja import Schema

from mercato.core.errors import DomainError, InvalidAmount

CENT = Decimal("0.01")
# The largest amount a DecimalField(max_digits=12, decimal_places=2) column holds.
MAX_AMOUNT = Decimal("9999999999.99")

# ISO 4217 minor-unit digits of the active currencies whose exponent is not 2, from ISO 4217
# "List One" as published by its maintenance agency (SIX Group, list-one.xml, amendment 178 of
# 2024-06). Every other currency code has 2. (babel's get_currency_precision would give the
# same; it is not a dependency.)
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}


class Money(Schema):
    amount: str
    currency: str


def minor_units(currency: str | None) -> int:
    """How many decimal places `currency` has (ISO 4217); 2 when no currency is given."""
    if not currency:
        return 2
    return _MINOR_UNITS.get(currency.upper(), 2)


def smallest_unit(currency: str | None = None) -> Decimal:
    """The currency's smallest amount: `Decimal("0.01")` for EUR, `1` for JPY."""
    places = minor_units(currency)
    return CENT if places == 2 else Decimal(1).scaleb(-places)


def quantize(amount: Decimal, currency: str | None = None) -> Decimal:
    """`amount` rounded half-up to the currency's minor unit (cents without a currency)."""
    return amount.quantize(smallest_unit(currency), rounding=ROUND_HALF_UP)


def money(amount: Decimal | None, currency: str) -> Money | None:
    if amount is None:
        return None
    # Two places for every currency, as the columns hold them (DecimalField(12, 2)).
    return Money(amount=str(quantize(amount)), currency=currency)


@overload
def parse_amount(
    value: object,
    *,
    field: str,
    currency: str | None = ...,
    required: Literal[True] = ...,
    positive: bool = ...,
    exact: bool = ...,
    maximum: Decimal = ...,
    error: type[DomainError] = ...,
) -> Decimal: ...


@overload
def parse_amount(
    value: object,
    *,
    field: str,
    currency: str | None = ...,
    required: bool,
    positive: bool = ...,
    exact: bool = ...,
    maximum: Decimal = ...,
    error: type[DomainError] = ...,
) -> Decimal | None: ...


def parse_amount(
    value: object,
    *,
    field: str,
    currency: str | None = None,
    required: bool = True,
    positive: bool = False,
    exact: bool = False,
    maximum: Decimal = MAX_AMOUNT,
    error: type[DomainError] = InvalidAmount,
) -> Decimal | None:
    """The one rule for an amount of money given as input:

    a finite decimal number, as a string or a number (a bool is not one); zero or more
    (more than zero with `positive`); at most `maximum`; rounded half-up to the currency's
    minor unit, except with `exact` (money that moves: a capture, a refund), where more
    decimals than the currency has are refused instead of rounded. Nothing (None or "")
    is refused when `required`, else it is None.

    Refusals raise `error` (the caller's class, so its code stays) naming `field`.
    """
    if value is None or value == "":
        if required:
            raise error(f"{field} is required.", field=field)
        return None
    try:
        # str() first: a float reads as it prints, and str(True) is not a number.
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise error(f"{field} is not a number.", field=field) from exc
    if not amount.is_finite() or amount < 0 or (positive and amount == 0):
        least = "more than zero" if positive else "zero or more"
        raise error(f"{field} must be {least}.", field=field)
    if amount > maximum:
        raise error(f"{field} is larger than {maximum}.", field=field)
    rounded = quantize(amount, currency)
    if exact and rounded != amount:
        places = minor_units(currency)
        raise error(f"{field} has at most {places} decimals.", field=field)
    return rounded
