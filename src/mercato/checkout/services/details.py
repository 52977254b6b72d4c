"""Checkout details: email, addresses, shipping method, voucher code, VAT number, note."""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from mercato.checkout.models import Cart
from mercato.checkout.selectors import CartRef, list_cart_lines
from mercato.checkout.services.common import open_cart, touch_cart
from mercato.core import ratelimit
from mercato.core.errors import InvalidInput
from mercato.core.inputs import UNSET, Changes, Unset
from mercato.orders.services.draft_checks import clean_address_at
from mercato.pricing.vat import validate_vat_number


@dataclass(frozen=True)
class CheckoutDetails(Changes):
    """Checkout details to set, as the store's PATCH sends them: a field left UNSET stays
    as it is, None clears it. Addresses are checked per country, the VAT number is
    normalised and the voucher code trimmed when they are set."""

    email: str | Unset | None = UNSET
    shipping_address: Mapping[str, Any] | Unset | None = UNSET
    billing_address: Mapping[str, Any] | Unset | None = UNSET
    shipping_method_id: str | Unset | None = UNSET
    voucher_code: str | Unset | None = UNSET
    vat_number: str | Unset | None = UNSET
    note: str | Unset | None = UNSET


CART_FIELDS = tuple(f.name for f in fields(CheckoutDetails))
ADDRESSES = ("shipping_address", "billing_address")


def _count_voucher_attempt(cart: Cart, code: str, ip: str | None) -> None:
    """A new voucher code on the cart is one attempt per cart and per IP (an unknown code as
    much as a good one), so codes cannot be guessed quickly. The same code again is free."""
    if code and code.upper() != cart.voucher_code.upper():
        ratelimit.hit_rate("voucher:cart", cart.token, settings.RATE_LIMIT_VOUCHER_CART)
        ratelimit.hit_rate("voucher:ip", ip or "", settings.RATE_LIMIT_VOUCHER_IP)


def update_checkout(
    *, cart: Cart | CartRef, details: CheckoutDetails, ip: str | None = None
) -> Cart:
    """Set checkout details: email, addresses (checked per country), shipping method, voucher
    code, VAT number, note. What can only be judged with prices (does the method serve this
    address and weight, does the voucher apply) is checked when pricing and completing.
    A new voucher code counts against RATE_LIMIT_VOUCHER_CART and, from `ip`, against
    RATE_LIMIT_VOUCHER_IP (429 `rate_limited`, nothing changed)."""
    changes = details.given()
    with transaction.atomic():
        cart = open_cart(cart)
        for name in ADDRESSES:
            if changes.get(name) is not None:
                changes[name] = clean_address_at(changes[name], name)
        if changes.get("vat_number"):
            try:
                _country, normalized = validate_vat_number(changes["vat_number"])
            except InvalidInput as exc:
                raise InvalidInput(str(exc), code=exc.code, field="vat_number") from exc
            changes["vat_number"] = normalized
        if "voucher_code" in changes:
            changes["voucher_code"] = (changes["voucher_code"] or "").strip()
            _count_voucher_attempt(cart, changes["voucher_code"], ip)
        for name, value in changes.items():
            setattr(cart, name, value if value is not None else (None if name in ADDRESSES else ""))
        touch_cart(cart, saved=True)
        try:
            cart.save()
        except IntegrityError as exc:  # pragma: no cover - columns are free-form
            raise InvalidInput("The checkout details are not valid.") from exc
        cart.line_snapshot = list_cart_lines(cart)
    return cart
