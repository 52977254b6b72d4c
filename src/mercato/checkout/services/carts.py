"""Carts and their lines: every line reserves its stock, or the change is refused; a
guest cart merges into the customer's at login."""

from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mercato.accounts.models import User
from mercato.catalog.models import ProductVariant
from mercato.checkout.errors import CartNotFound, VariantNotPurchasable
from mercato.checkout.models import Cart, CartLine
from mercato.checkout.selectors import (
    VARIANT_FIELDS,
    CartRef,
    is_visible,
    list_cart_lines,
    reservation_reference,
)
from mercato.checkout.services.common import (
    cart_expiry,
    check_open,
    lock_cart,
    open_cart,
    touch_cart,
)
from mercato.checkout.services.details import CART_FIELDS
from mercato.core import ratelimit
from mercato.core.errors import InvalidInput, NotFound
from mercato.inventory import services as inventory


def create_cart(*, user: User | None = None, ip: str | None = None) -> Cart:
    """A new cart. `ip`: the caller's address, which may open RATE_LIMIT_CART_IP carts."""
    ratelimit.hit_rate("cart_create:ip", ip or "", settings.RATE_LIMIT_CART_IP)
    cart = Cart.objects.create(
        user=user, expires_at=cart_expiry(), email=user.email if user else ""
    )
    cart.line_snapshot = []
    return cart


def _quantity(value: int, field: str = "quantity", *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if not low <= value <= settings.CART_MAX_LINE_QUANTITY:
        raise InvalidInput(
            f"A quantity is a whole number from {low} to {settings.CART_MAX_LINE_QUANTITY}.",
            code="invalid_quantity",
            field=field,
        )
    return value


def _purchasable(variant_public_id: UUID | str) -> ProductVariant:
    try:
        public_id = UUID(str(variant_public_id))
    except ValueError:
        public_id = None
    variant = (
        ProductVariant.objects.select_related("product")
        .only(*VARIANT_FIELDS)
        .filter(public_id=public_id)
        .first()
        if public_id
        else None
    )
    if variant is None or not is_visible(variant.product, timezone.now()):
        raise VariantNotPurchasable("No published product has this variant.", field="variant_id")
    return variant


def _reserve(cart: Cart, variant: ProductVariant, quantity: int) -> None:
    inventory.reserve_stock(reference=reservation_reference(cart), lines=[(variant.pk, quantity)])


def _set_line(cart: Cart, variant: ProductVariant, quantity: int, add: bool) -> None:
    """set_line's work on the locked, open cart; keeps `cart.line_snapshot` current."""
    lines = list_cart_lines(cart)
    line = next((x for x in lines if x.variant_id == variant.pk), None)
    total = (line.quantity if line and add else 0) + quantity
    if total:
        _quantity(total)
    if line is None and total and len(lines) >= settings.CART_MAX_LINES:
        raise InvalidInput(
            f"A cart holds at most {settings.CART_MAX_LINES} lines.", code="cart_full"
        )
    _reserve(cart, variant, total)
    if not total:
        if line:
            line.delete()
            lines.remove(line)
    elif line is None:
        line = CartLine.objects.create(
            cart=cart, variant=variant, quantity=total, unit_price=variant.price
        )
        lines.append(line)
    else:
        CartLine.objects.filter(pk=line.pk).update(quantity=total)
        line.quantity = total
    if line is not None:  # reserved in full just now
        line.quantity_reserved, line.quantity_short = total, 0
    # the other lines' reservations live on; this one was just made
    touch_cart(cart, renew=any(x.variant_id != variant.pk for x in lines))
    cart.line_snapshot = lines


def set_line(
    *, cart: Cart | CartRef, variant_id: UUID | str, quantity: int, add: bool = False
) -> Cart:
    """Put `quantity` of a variant in the cart (or add that many with `add`). Quantity 0
    removes the line. Stock is reserved for the new quantity, or the change is refused.
    The cart returned carries `line_snapshot`: its lines after the change."""
    with transaction.atomic():
        cart = lock_cart(cart)
        _quantity(quantity, allow_zero=not add)
        variant = _purchasable(variant_id)
        _set_line(check_open(cart), variant, quantity, add)
    return cart


def remove_line(*, cart: Cart | CartRef, line_id: UUID) -> Cart:
    with transaction.atomic():
        cart = open_cart(cart)
        _remove_line(cart, _line(cart, line_id))
    return cart


def _remove_line(cart: Cart, line: CartLine) -> None:
    inventory.release_reservations(
        reference=reservation_reference(cart), variant_ids=[line.variant_id]
    )
    line.delete()
    touch_cart(cart)


def set_line_quantity(*, cart: Cart | CartRef, line_id: UUID, quantity: int) -> Cart:
    """Set a line's quantity; 0 removes it (also the line of a variant no longer sold)."""
    with transaction.atomic():
        cart = lock_cart(cart)
        line = _line(cart, line_id)
        if _quantity(quantity, allow_zero=True) == 0:
            _remove_line(check_open(cart), line)
        else:
            variant = _purchasable(line.variant.public_id)
            _set_line(check_open(cart), variant, quantity, add=False)
    return cart


def _line(cart: Cart, line_id: UUID) -> CartLine:
    line = CartLine.objects.select_related("variant").filter(cart=cart, public_id=line_id).first()
    if line is None:
        raise NotFound("No such line in this cart.", code="cart_line_not_found")
    return line


def merge_guest_cart(*, guest_token: str, user: User) -> Cart:
    """At login: move a guest cart's lines into the customer's open cart (made if needed).
    Quantities add up; a line that can no longer be reserved in full keeps what can be."""
    with transaction.atomic():
        guest = (
            Cart.objects.select_for_update()
            .filter(token=guest_token, user__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if guest is None or guest.status != Cart.Status.OPEN:
            raise CartNotFound()
        target = (
            Cart.objects.select_for_update()
            .filter(user=user, status=Cart.Status.OPEN, expires_at__gt=timezone.now())
            .order_by("-updated_at")
            .first()
        ) or create_cart(user=user)
        for line in guest.lines.select_related("variant"):
            existing = CartLine.objects.filter(cart=target, variant=line.variant).first()
            wanted = min(
                (existing.quantity if existing else 0) + line.quantity,
                settings.CART_MAX_LINE_QUANTITY,
            )
            inventory.release_reservations(
                reference=reservation_reference(guest), variant_ids=[line.variant_id]
            )
            try:
                with transaction.atomic():
                    _reserve(target, line.variant, wanted)
            except inventory.InsufficientStock as exc:
                wanted = min(wanted, exc.extra.get("available", 0))
                if wanted <= (existing.quantity if existing else 0):
                    continue
                _reserve(target, line.variant, wanted)
            if existing:
                CartLine.objects.filter(pk=existing.pk).update(quantity=wanted)
            else:
                CartLine.objects.create(
                    cart=target, variant=line.variant, quantity=wanted, unit_price=line.unit_price
                )
        for name in CART_FIELDS:
            if getattr(guest, name) and not getattr(target, name):
                setattr(target, name, getattr(guest, name))
        target.email = user.email
        target.expires_at = cart_expiry()
        target.save()
        guest.status = Cart.Status.MERGED
        guest.save(update_fields=["status", "updated_at"])
    return target
