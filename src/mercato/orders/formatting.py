"""How an order's money, tax rates and addresses read to people: shared by the PDF invoice
and the order emails, so both say the same thing."""

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from mercato.core.money import quantize


def format_money(amount: Decimal, currency: str) -> str:
    """`1,234.50 EUR`: the amount rounded to the cent, with the currency code (unambiguous in
    every language and every font)."""
    return f"{quantize(Decimal(amount)):,.2f} {currency}"


def money_formatter(currency: str) -> Callable[[Decimal], str]:
    """`format_money` for one currency: what an order's invoice and emails format with."""
    return partial(format_money, currency=currency)


def format_rate(rate: Decimal) -> str:
    """A tax rate stored as a fraction (0.19) as a percentage (`19 %`, `5.5 %`)."""
    percent = (Decimal(rate) * 100).normalize()
    text = f"{percent:f}"
    return f"{text} %"


def address_lines(address: dict[str, Any]) -> list[str]:
    """An address snapshot as the lines of a postal address (empty parts left out)."""
    address = address or {}
    name = " ".join(p for p in (address.get("first_name"), address.get("last_name")) if p)
    city = " ".join(p for p in (address.get("postal_code"), address.get("city")) if p)
    parts = [
        name,
        address.get("company", ""),
        address.get("line1", ""),
        address.get("line2", ""),
        city,
        address.get("region", ""),
        address.get("country", ""),
    ]
    return [str(part).strip() for part in parts if part and str(part).strip()]
