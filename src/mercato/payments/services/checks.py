"""What the payments services check before anything moves: card numbers (never accepted),
amounts, free text and idempotency keys."""

import re
import uuid
from decimal import Decimal

from mercato.core.errors import InvalidInput
from mercato.core.money import parse_amount
from mercato.payments.errors import CardDataNotAccepted, InvalidAmount

_DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d)*")


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def looks_like_card_number(value: str) -> bool:
    """A run of 13 to 19 digits (single spaces or dashes between allowed) that passes Luhn."""
    for match in _DIGIT_RUN.finditer(value or ""):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            return True
    return False


def reject_card_data(value: str, *, field: str) -> None:
    """Refuse anything that looks like a card number. The message never repeats the value."""
    if looks_like_card_number(value):
        raise CardDataNotAccepted(
            "Card numbers are never accepted: tokenise the card with the provider's client "
            "library and send the token.",
            field=field,
        )


def clean_amount(amount: Decimal, *, field: str = "amount") -> Decimal:
    """Money that moves: more than zero, below ten billion, at most two decimals (refused,
    not rounded)."""
    return parse_amount(amount, field=field, positive=True, exact=True, error=InvalidAmount)


def clean_optional_amount(amount: Decimal | None) -> Decimal | None:
    """`clean_amount`, where no amount means "all that is left"."""
    return None if amount is None else clean_amount(amount)


def clean_text(value: str, *, field: str, limit: int) -> str:
    """Trimmed, at most `limit` characters, and no card number in it."""
    value = (value or "").strip()
    reject_card_data(value, field=field)
    if len(value) > limit:
        raise InvalidInput(f"At most {limit} characters.", code="too_long", field=field)
    return value


def clean_key(idempotency_key: str) -> str:
    """The caller's idempotency key, or a fresh one (a call without a key is never a
    repeat)."""
    key = (idempotency_key or "").strip()
    if len(key) > 255:
        raise InvalidInput(
            "The idempotency key is at most 255 characters.",
            code="invalid_idempotency_key",
            field="idempotency_key",
        )
    return key or f"auto:{uuid.uuid4().hex}"
