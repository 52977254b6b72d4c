"""What staff give for a draft or an order edit, checked: quantities, variants on sale,
the email, addresses, the note, and new lines."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from mercato.accounts.models import User
from mercato.catalog.models import Product, ProductVariant
from mercato.core.addresses import clean_address
from mercato.core.errors import InvalidInput
from mercato.orders.models import OrderLine

MAX_LINE_QUANTITY = 10_000


class VariantNotPurchasable(InvalidInput):
    code, title = "variant_not_purchasable", "This variant cannot be bought"


@dataclass(frozen=True)
class Wanted:
    """A line as it should be after the change: its row (None: a new line), the variant,
    the quantity, and the list price to keep (None: the variant's current price)."""

    key: str
    line: OrderLine | None
    variant: ProductVariant | None
    quantity: int
    unit_price: Decimal | None = None


def check_count(value: int, *, most: int, message: str, field: str = "quantity") -> int:
    """`value` when it is from 1 to `most`, else 422 `invalid_quantity` with `message`
    (`{most}` in it is filled in)."""
    if not 1 <= value <= most:
        raise InvalidInput(message.format(most=most), code="invalid_quantity", field=field)
    return value


def check_quantity(value: int, field: str = "quantity") -> int:
    return check_count(
        value,
        most=MAX_LINE_QUANTITY,
        message="A quantity is a whole number from 1 to {most}.",
        field=field,
    )


def check_purchasable(variants: Iterable[ProductVariant | None], field: str = "variant_id") -> None:
    """Every variant exists and belongs to a published product (one query)."""
    given = list(variants)
    present = [v for v in given if v is not None]
    if len(present) < len(given):
        raise VariantNotPurchasable(
            "A line's variant no longer exists; remove the line.", field=field
        )
    visible = set(
        Product.objects.visible()
        .filter(pk__in={v.product_id for v in present})
        .values_list("pk", flat=True)
    )
    for v in present:
        if v.product_id not in visible:
            raise VariantNotPurchasable(
                f"{v.sku} is not on sale (its product is not published).", field=field
            )


def clean_email(value: Any) -> str:
    email = (value or "").strip() if isinstance(value, str) else ""
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(
            "Not a valid email address.", code="invalid_email", field="email"
        ) from None
    return User.objects.normalize_email(email)


def clean_draft_address(value: Any, name: str) -> dict[str, Any]:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("An address is an object.", code="invalid_address", field=name)
    return clean_address_at(value, name)


def clean_address_at(address: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The address checked for its country; an error names the field (`shipping_address.city`).
    Drafts and checkouts check their addresses here."""
    try:
        return clean_address(dict(address))
    except InvalidInput as exc:
        for error in exc.extra.get("errors", []):
            error["field"] = f"{name}.{error['field']}"
        raise


def check_given(values: Iterable[tuple[str, Any]], *, error: type[InvalidInput]) -> None:
    """Raise `error` naming each field of `values` (name, value) left empty. Finalising a
    draft and completing a checkout check their details here."""
    missing = [name for name, value in values if not value]
    if missing:
        raise error(
            f"Missing: {', '.join(missing)}.",
            errors=[{"field": name, "message": "This field is required."} for name in missing],
        )


def clean_note(value: Any) -> str:
    note = (value or "").strip() if isinstance(value, str) else ""
    if len(note) > 5000:
        raise InvalidInput(
            "A note is at most 5,000 characters.", code="note_too_long", field="note"
        )
    return note


def new_lines(lines: Iterable[tuple[ProductVariant, int]]) -> list[Wanted]:
    """Lines asked for by staff, checked; the same variant twice is one line."""
    merged: dict[int, list[Any]] = {}
    for i, (variant, quantity) in enumerate(lines):
        check_quantity(quantity, f"lines.{i}.quantity")
        if not isinstance(variant, ProductVariant):
            raise VariantNotPurchasable("No such variant.", field=f"lines.{i}.variant_id")
        if variant.pk in merged:
            merged[variant.pk][1] += quantity
        else:
            merged[variant.pk] = [variant, quantity]
    if len(merged) > settings.CART_MAX_LINES:
        raise InvalidInput(
            f"An order holds at most {settings.CART_MAX_LINES} lines.", code="too_many_lines"
        )
    check_purchasable([v for v, _ in merged.values()], field="lines")
    return [
        Wanted(key=f"new:{i}", line=None, variant=v, quantity=check_quantity(q, "lines"))
        for i, (v, q) in enumerate(merged.values())
    ]
