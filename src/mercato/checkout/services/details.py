"""Checkout details: email, addresses, shipping method, voucher code, VAT number, note."""

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from mercato.checkout.models import Cart
from mercato.checkout.selectors import CartRef, list_cart_lines
from mercato.checkout.services.common import open_cart, touch_cart
from mercato.core import ratelimit
from mercato.core.addresses import clean_address
from mercato.core.errors import InvalidInput
from mercato.pricing.vat import validate_vat_number

CART_FIELDS = (
    "email",
    "shipping_address",
    "billing_address",
    "shipping_method_id",
    "voucher_code",
    "vat_number",
    "note",
)


def _count_voucher_attempt(cart: Cart, code: str, ip: str | None) -> None:
    """A new voucher code on the cart is one attempt per cart and per IP (an unknown code as
    much as a good one), so codes cannot be guessed quickly. The same code again is free."""
    if code and code.upper() != cart.voucher_code.upper():
        ratelimit.hit_rate("voucher:cart", cart.token, settings.RATE_LIMIT_VOUCHER_CART)
        ratelimit.hit_rate("voucher:ip", ip or "", settings.RATE_LIMIT_VOUCHER_IP)


def update_checkout(
    *, cart: Cart | CartRef, changes: dict[str, Any], ip: str | None = None
) -> Cart:
    """Set checkout details: email, addresses (checked per country), shipping method, voucher
    code, VAT number, note. What can only be judged with prices (does the method serve this
    address and weight, does the voucher apply) is checked when pricing and completing.
    A new voucher code counts against RATE_LIMIT_VOUCHER_CART and, from `ip`, against
    RATE_LIMIT_VOUCHER_IP (429 `rate_limited`, nothing changed)."""
    unknown = set(changes) - set(CART_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        cart = open_cart(cart)
        for name in ("shipping_address", "billing_address"):
            if name in changes and changes[name] is not None:
                try:
                    changes[name] = clean_address(dict(changes[name]))
                except InvalidInput as exc:
                    for error in exc.extra.get("errors", []):
                        error["field"] = f"{name}.{error['field']}"
                    raise
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
            setattr(
                cart,
                name,
                value
                if value is not None
                else ("" if name not in {"shipping_address", "billing_address"} else None),
            )
        touch_cart(cart, saved=True)
        try:
            cart.save()
        except IntegrityError as exc:  # pragma: no cover - columns are free-form
            raise InvalidInput("The checkout details are not valid.") from exc
        cart.line_snapshot = list_cart_lines(cart)
    return cart
