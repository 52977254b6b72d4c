"""Money in the API: `{"amount": "19.99", "currency": "EUR"}`, amounts as strings."""

from decimal import ROUND_HALF_UP, Decimal

from ninja import Schema

CENT = Decimal("0.01")


class Money(Schema):
    amount: str
    currency: str


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money(amount: Decimal | None, currency: str) -> Money | None:
    if amount is None:
        return None
    return Money(amount=str(quantize(amount)), currency=currency)
