"""The store's cart and checkout."""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from mercato.accounts.authentication import customer_auth, optional_customer_auth, signed_in_user
from mercato.checkout import selectors, services
from mercato.checkout.api.schemas import (
    CartOut,
    CartShippingMethodOut,
    CheckoutPatch,
    LineIn,
    LinePatch,
    MergeIn,
    OrderPlacedOut,
)
from mercato.checkout.api.shaping import cart_out, shipping_out
from mercato.checkout.models import Cart
from mercato.core.clientip import get_client_ip
from mercato.core.money import money
from mercato.core.schemas import problems

store_router = Router(tags=["store: cart and checkout"])


def _user(request: HttpRequest):
    principal = getattr(request, "principal", None)
    return principal.user if principal else None


def _cart(request: HttpRequest, token: str) -> Cart:
    return selectors.get_cart(token=token, user=_user(request))


def _ref(request: HttpRequest, token: str) -> selectors.CartRef:
    """The cart for a service to lock by token (one query, get_cart's rules)."""
    return selectors.CartRef(token=token, user=_user(request))


# --- store ----------------------------------------------------------------------------------

CART_ERRORS = (401, 404, 409, 422)


def cart_operation(
    method: str,
    path: str,
    *,
    out: Any = CartOut,
    status: int = 200,
    errors: tuple[int, ...] = CART_ERRORS,
    auth: Any = optional_customer_auth,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A cart operation: a guest's (by the cart's token) or a customer's, answering `status`
    with `out` (the cart by default) and a problem for each of `errors`."""
    return store_router.api_operation(
        [method.upper()], path, response={status: out, **problems(*errors)}, auth=auth
    )


@cart_operation("post", "/carts", status=201, errors=(401, 429))
def create_cart(request: HttpRequest):
    """A new cart: a guest's (keep the `token`), or the signed-in customer's. An address may
    open RATE_LIMIT_CART_IP carts (429 `rate_limited` with `Retry-After` beyond)."""
    cart = services.create_cart(user=_user(request), ip=get_client_ip(request))
    return Status(201, cart_out(cart))


@cart_operation("get", "/carts/{token}")
def get_cart(request: HttpRequest, token: str):
    """The cart priced now: promotions, voucher, shipping and tax, with what still blocks
    checkout (`voucher_problem`, `shipping_problem`). A completed cart shows its order as
    placed (`order_id`, `order_number`, the order's lines and totals)."""
    return cart_out(_cart(request, token))


@cart_operation("post", "/carts/{token}/lines")
def add_line(request: HttpRequest, token: str, payload: LineIn):
    """Add a variant (quantities add up); stock is reserved or the call is refused with
    `insufficient_stock`."""
    cart = services.set_line(
        cart=_ref(request, token),
        variant_id=payload.variant_id,
        quantity=payload.quantity,
        add=True,
    )
    return cart_out(cart)


@cart_operation("patch", "/carts/{token}/lines/{line_id}")
def update_line(request: HttpRequest, token: str, line_id: UUID, payload: LinePatch):
    """Set a line's quantity (0 removes it)."""
    cart = services.set_line_quantity(
        cart=_ref(request, token), line_id=line_id, quantity=payload.quantity
    )
    return cart_out(cart)


@cart_operation("delete", "/carts/{token}/lines/{line_id}")
def remove_line(request: HttpRequest, token: str, line_id: UUID):
    return cart_out(services.remove_line(cart=_ref(request, token), line_id=line_id))


@cart_operation("patch", "/carts/{token}", errors=(*CART_ERRORS, 429))
def update_checkout(request: HttpRequest, token: str, payload: CheckoutPatch):
    """Email, addresses (checked per country), shipping method, voucher code, VAT number
    (a business with a VAT number of the EU country the goods go to gets reverse charge;
    `vat_number_problem` says why another number does not), note. Each new voucher code is
    an attempt: RATE_LIMIT_VOUCHER_CART per cart and RATE_LIMIT_VOUCHER_IP per address
    (429 `rate_limited` with `Retry-After` beyond)."""
    changes = payload.dict(exclude_unset=True)
    if changes.get("shipping_method_id") is not None:
        changes["shipping_method_id"] = str(changes["shipping_method_id"])
    cart = services.update_checkout(
        cart=_ref(request, token),
        details=services.CheckoutDetails(**changes),
        ip=get_client_ip(request),
    )
    return cart_out(cart)


@cart_operation("get", "/carts/{token}/shipping-methods", out=list[CartShippingMethodOut])
def shipping_methods(request: HttpRequest, token: str):
    """The methods that serve the cart's address, weight and value, each with what it will
    cost on this cart: `price` is what `totals.shipping` shows once it is chosen (taxed
    for the destination: an export states it without the origin's VAT, as the order charges
    it), `total` what it adds to the order's total."""
    return [
        shipping_out(option.quote, option.shipping)
        for option in selectors.shipping_options(_cart(request, token))
    ]


@cart_operation("post", "/carts/{token}/complete", out=OrderPlacedOut, status=201)
def complete(request: HttpRequest, token: str):
    """Place the order. Send an `Idempotency-Key`: a retry returns the same order. Refused
    with a stable code when anything changed: `price_changed` (the cart now shows the new
    prices), `insufficient_stock`, `cart_line_short` (a line lost reserved units to a stock
    cut, see the cart's `lines[].short`), `voucher_*`, `shipping_method_unavailable` …"""
    order = services.complete_checkout(cart=_ref(request, token))
    return Status(
        201,
        {
            "id": order.public_id,
            "number": order.number,
            "guest_token": order.guest_token,
            "status": order.status,
            "payment_status": order.payment_status,
            "total": money(order.total_gross, order.currency),
        },
    )


@cart_operation("post", "/me/cart/merge", auth=customer_auth)
def merge_cart(request: HttpRequest, payload: MergeIn):
    """After signing in: move a guest cart into the customer's cart."""
    return cart_out(
        services.merge_guest_cart(guest_token=payload.guest_token, user=signed_in_user(request))
    )
