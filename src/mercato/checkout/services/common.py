"""What every change to a cart starts with: the cart row locked (and open), and the
shopper's activity, which keeps the cart and its reservations alive."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from mercato.checkout.errors import CartClosed, CartNotFound
from mercato.checkout.models import Cart
from mercato.checkout.selectors import (
    CartRef,
    is_reachable,
    reservation_reference,
    with_pricing_version,
)
from mercato.inventory import services as inventory


def cart_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.CART_TTL_DAYS)


def lock_cart(cart: Cart | CartRef) -> Cart:
    """The cart row locked for a change (one query): by token for a CartRef, with
    get_cart's rules (an unreachable cart is not found), else by primary key."""
    if isinstance(cart, CartRef):
        found = (
            with_pricing_version(Cart.objects.select_for_update())
            .filter(token=str(cart.token)[:64])
            .first()
        )
        if not is_reachable(found, cart.user):
            raise CartNotFound()
        return found
    return with_pricing_version(Cart.objects.select_for_update()).get(pk=cart.pk)


def check_open(cart: Cart) -> Cart:
    if cart.status != Cart.Status.OPEN:
        raise CartClosed()
    return cart


def open_cart(cart: Cart | CartRef) -> Cart:
    """The cart locked for a change, which must still be open."""
    return check_open(lock_cart(cart))


def touch_cart(cart: Cart, *, saved: bool = False, renew: bool = True) -> None:
    """The shopper is active: the cart and its reservations live on. `saved`: the caller
    writes the cart row itself (with the new expiry set here). `renew`: False when the cart
    holds no reservation older than this call."""
    cart.expires_at, cart.updated_at = cart_expiry(), timezone.now()
    if not saved:
        Cart.objects.filter(pk=cart.pk).update(
            expires_at=cart.expires_at, updated_at=cart.updated_at
        )
    if renew:
        inventory.renew_reservations(reference=reservation_reference(cart))
