from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Count, DecimalField, F, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import EmailStr, Field, StrictInt

from mercato.accounts.authentication import AdminAuth, customer_auth, optional_customer_auth
from mercato.checkout import services
from mercato.checkout.models import Cart
from mercato.core.clientip import get_client_ip
from mercato.core.money import Money, money
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import InputSchema, PatchSchema, problems
from mercato.orders.schemas import StatedTotals
from mercato.pricing.pipeline import ShippingResult
from mercato.shipping.selectors import ShippingQuote

store_router = Router(tags=["store: cart and checkout"])
admin_router = Router(tags=["admin: carts"])

Quantity = Field(ge=0, le=1000)


# --- schemas --------------------------------------------------------------------------------


class CartAddressIn(InputSchema):
    first_name: str = Field(max_length=150)
    last_name: str = Field(max_length=150)
    company: str = Field("", max_length=150)
    line1: str = Field(max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field(max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field(max_length=2)
    phone: str = Field("", max_length=32)


class LineIn(InputSchema):
    variant_id: UUID
    quantity: StrictInt = Field(1, ge=1, le=1000)


class LinePatch(InputSchema):
    quantity: StrictInt = Quantity


class CheckoutPatch(PatchSchema):
    email: EmailStr | None = Field(None, max_length=254)
    shipping_address: CartAddressIn | None = None
    billing_address: CartAddressIn | None = None
    shipping_method_id: UUID | None = None
    voucher_code: str | None = Field(None, max_length=100)
    vat_number: str | None = Field(None, max_length=20)
    note: str | None = Field(None, max_length=2000)


class MergeIn(InputSchema):
    guest_token: str = Field(min_length=1, max_length=64)


class CartLineOut(Schema):
    id: UUID
    variant_id: UUID | None = Field(description="None on a placed order whose variant is gone.")
    sku: str
    product_name: str
    variant_name: str
    quantity: int
    unit_price: Money
    unit_price_discounted: Money
    promotion_discount: Money
    voucher_discount: Money
    total: Money
    tax_rate: Decimal
    short: bool = Field(
        False,
        description="Stock was cut below what carts reserved and this line lost units: "
        "completing is refused with `cart_line_short` until the stock is back or the line "
        "is lowered to what it still holds.",
    )
    quantity_short: int = Field(0, description="Units of the line no longer held for it.")


class ProblemNote(Schema):
    code: str
    detail: str


class CartShippingMethodOut(Schema):
    """A shipping method with what it costs on this cart, taxed for the cart's destination
    (a zero-rated export or reverse-charge sale states it without the origin's VAT) and with
    the voucher: `price` is what `totals.shipping` shows once it is chosen, `total` what it
    adds to the order's total (price - discount, + tax when prices are without tax)."""

    id: UUID
    name: str
    description: str = ""
    price: Money = Field(
        description="Before the voucher; with tax when `prices_include_tax`, without otherwise."
    )
    discount: Money = Field(description="What the voucher takes off it (free shipping).")
    tax: Money
    tax_rate: str
    total: Money = Field(description="What it adds to the order's total, tax included.")
    min_delivery_days: int | None
    max_delivery_days: int | None


class CartTotalsOut(StatedTotals):
    pass


class CartOut(Schema):
    token: str
    status: str
    email: str
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    shipping_method: CartShippingMethodOut | None
    voucher_code: str
    voucher_problem: ProblemNote | None
    shipping_problem: ProblemNote | None
    vat_number: str
    vat_number_problem: ProblemNote | None = Field(
        description="Why the VAT number gives no reverse charge (VAT is charged): "
        "`vat_number_not_destination`, `vat_number_origin_country`, `reverse_charge_domestic`, "
        "`reverse_charge_not_intra_eu`. It does not stop checkout."
    )
    note: str
    lines: list[CartLineOut]
    totals: CartTotalsOut
    expires_at: datetime
    order_id: UUID | None
    order_number: int | None = None


class OrderPlacedOut(Schema):
    id: UUID
    number: int
    guest_token: str = Field(description="Lets a guest open this order (keep it private).")
    status: str
    payment_status: str
    total: Money


# --- shaping ---------------------------------------------------------------------------------


def _shipping_out(quote: ShippingQuote, shipping: ShippingResult) -> dict[str, Any]:
    currency = quote.currency
    return {
        "id": quote.method_id,
        "name": quote.name,
        "description": quote.description,
        "price": money(shipping.stated_price, currency),
        "discount": money(shipping.stated_discount, currency),
        "tax": money(shipping.tax, currency),
        "tax_rate": str(shipping.tax_rate),
        "total": money(shipping.gross, currency),
        "min_delivery_days": quote.min_delivery_days,
        "max_delivery_days": quote.max_delivery_days,
    }


def _totals_out(totals, currency: str, *, reverse_charge: bool, tax_note: str) -> dict[str, Any]:
    return {
        "subtotal": money(totals.subtotal, currency),
        "discount": money(totals.discount, currency),
        "shipping": money(totals.shipping, currency),
        "tax": money(totals.tax, currency),
        "total": money(totals.total, currency),
        "prices_include_tax": totals.tax_included,
        "reverse_charge": reverse_charge,
        "tax_note": tax_note,
    }


def _cart_out(cart: Cart) -> dict[str, Any]:
    """The cart priced now, from the lines the service just read (`line_snapshot`) when it
    gives them; a completed cart shows its order as placed."""
    if cart.status == Cart.Status.COMPLETED and cart.order_id:
        return _completed_cart_out(cart)
    priced = services.price_checkout(cart, lines=getattr(cart, "line_snapshot", None))
    result, currency = priced.result, priced.result.currency
    by_key = {line.key: line for line in result.lines}
    lines = []
    for line in priced.lines:
        priced_line = by_key[str(line.public_id)]
        lines.append(
            {
                "id": line.public_id,
                "variant_id": line.variant.public_id,
                "sku": line.variant.sku,
                "product_name": line.variant.product.name,
                "variant_name": line.variant.name,
                "quantity": line.quantity,
                "unit_price": money(priced_line.unit_price, currency),
                "unit_price_discounted": money(priced_line.unit_price_discounted, currency),
                "promotion_discount": money(priced_line.promotion_discount, currency),
                "voucher_discount": money(priced_line.voucher_discount, currency),
                "total": money(priced_line.gross, currency),
                "tax_rate": priced_line.tax_rate,
                "short": bool(getattr(line, "quantity_short", 0)),
                "quantity_short": getattr(line, "quantity_short", 0),
            }
        )
    return {
        **_cart_fields(cart),
        "shipping_method": _shipping_out(priced.shipping, result.shipping)
        if priced.shipping
        else None,
        "voucher_problem": priced.voucher_problem,
        "shipping_problem": priced.shipping_problem,
        "vat_number_problem": priced.vat_number_problem,
        "lines": lines,
        "totals": _totals_out(
            result.totals,
            currency,
            reverse_charge=result.reverse_charge,
            tax_note=result.legal_note,
        ),
        "order_id": None,
        "order_number": None,
    }


def _cart_fields(cart: Cart) -> dict[str, Any]:
    return {
        "token": cart.token,
        "status": cart.status,
        "email": cart.email,
        "shipping_address": cart.shipping_address,
        "billing_address": cart.billing_address,
        "voucher_code": cart.voucher_code,
        "vat_number": cart.vat_number,
        "note": cart.note,
        "expires_at": cart.expires_at,
    }


def _completed_cart_out(cart: Cart) -> dict[str, Any]:
    """A completed cart as its order was placed: the order's lines, shipping and totals (not
    priced again), with `order_id` and `order_number`. Line ids are the cart's."""
    order = cart.order
    currency = order.currency
    cart_line_ids = dict(cart.lines.values_list("variant_id", "public_id"))
    order_lines = list(order.lines.select_related("variant").order_by("pk"))
    charged = order.shipping_gross if order.prices_include_tax else order.shipping_net
    return {
        **_cart_fields(cart),
        "voucher_code": order.voucher_code,
        "shipping_method": {
            "id": UUID(order.shipping_method_id),
            "name": order.shipping_method_name,
            "description": "",
            "price": money(order.shipping_price, currency),
            "discount": money(order.shipping_price - charged, currency),
            "tax": money(order.shipping_tax, currency),
            "tax_rate": str(order.shipping_tax_rate),
            "total": money(order.shipping_gross, currency),
            "min_delivery_days": None,
            "max_delivery_days": None,
        }
        if order.shipping_method_id
        else None,
        "voucher_problem": None,
        "shipping_problem": None,
        "vat_number_problem": None,
        "lines": [
            {
                "id": cart_line_ids.get(x.variant_id, x.public_id),
                "variant_id": x.variant.public_id if x.variant else None,
                "sku": x.sku,
                "product_name": x.product_name,
                "variant_name": x.variant_name,
                "quantity": x.quantity,
                "unit_price": money(x.unit_price, currency),
                "unit_price_discounted": money(x.unit_price_discounted, currency),
                "promotion_discount": money(x.promotion_discount, currency),
                "voucher_discount": money(x.voucher_discount, currency),
                "total": money(x.total_gross, currency),
                "tax_rate": x.tax_rate,
            }
            for x in order_lines
        ],
        "totals": {
            "subtotal": money(order.subtotal, currency),
            "discount": money(order.voucher_discount, currency),
            "shipping": money(order.shipping_price, currency),
            "tax": money(order.tax_total, currency),
            "total": money(order.total_gross, currency),
            "prices_include_tax": order.prices_include_tax,
            "reverse_charge": order.reverse_charge,
            "tax_note": order.tax_note,
        },
        "order_id": order.public_id,
        "order_number": order.number,
    }


def _user(request: HttpRequest):
    principal = getattr(request, "principal", None)
    return principal.user if principal else None


def _cart(request: HttpRequest, token: str) -> Cart:
    return services.get_cart(token=token, user=_user(request))


def _ref(request: HttpRequest, token: str) -> services.CartRef:
    """The cart for a service to lock by token (one query, get_cart's rules)."""
    return services.CartRef(token=token, user=_user(request))


# --- store ----------------------------------------------------------------------------------

CART_ERRORS = problems(401, 404, 409, 422)


@store_router.post(
    "/carts", response={201: CartOut, **problems(401, 429)}, auth=optional_customer_auth
)
def create_cart(request: HttpRequest):
    """A new cart: a guest's (keep the `token`), or the signed-in customer's. An address may
    open RATE_LIMIT_CART_IP carts (429 `rate_limited` with `Retry-After` beyond)."""
    cart = services.create_cart(user=_user(request), ip=get_client_ip(request))
    return Status(201, _cart_out(cart))


@store_router.get(
    "/carts/{token}", response={200: CartOut, **CART_ERRORS}, auth=optional_customer_auth
)
def get_cart(request: HttpRequest, token: str):
    """The cart priced now: promotions, voucher, shipping and tax, with what still blocks
    checkout (`voucher_problem`, `shipping_problem`). A completed cart shows its order as
    placed (`order_id`, `order_number`, the order's lines and totals)."""
    return _cart_out(_cart(request, token))


@store_router.post(
    "/carts/{token}/lines", response={200: CartOut, **CART_ERRORS}, auth=optional_customer_auth
)
def add_line(request: HttpRequest, token: str, payload: LineIn):
    """Add a variant (quantities add up); stock is reserved or the call is refused with
    `insufficient_stock`."""
    cart = services.set_line(
        cart=_ref(request, token),
        variant_id=payload.variant_id,
        quantity=payload.quantity,
        add=True,
    )
    return _cart_out(cart)


@store_router.patch(
    "/carts/{token}/lines/{line_id}",
    response={200: CartOut, **CART_ERRORS},
    auth=optional_customer_auth,
)
def update_line(request: HttpRequest, token: str, line_id: UUID, payload: LinePatch):
    """Set a line's quantity (0 removes it)."""
    cart = services.set_line_quantity(
        cart=_ref(request, token), line_id=line_id, quantity=payload.quantity
    )
    return _cart_out(cart)


@store_router.delete(
    "/carts/{token}/lines/{line_id}",
    response={200: CartOut, **CART_ERRORS},
    auth=optional_customer_auth,
)
def remove_line(request: HttpRequest, token: str, line_id: UUID):
    return _cart_out(services.remove_line(cart=_ref(request, token), line_id=line_id))


@store_router.patch(
    "/carts/{token}",
    response={200: CartOut, **CART_ERRORS, **problems(429)},
    auth=optional_customer_auth,
)
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
        cart=_ref(request, token), changes=changes, ip=get_client_ip(request)
    )
    return _cart_out(cart)


@store_router.get(
    "/carts/{token}/shipping-methods",
    response={200: list[CartShippingMethodOut], **CART_ERRORS},
    auth=optional_customer_auth,
)
def shipping_methods(request: HttpRequest, token: str):
    """The methods that serve the cart's address, weight and value, each with what it will
    cost on this cart: `price` is what `totals.shipping` shows once it is chosen (taxed
    for the destination: an export states it without the origin's VAT, as the order charges
    it), `total` what it adds to the order's total."""
    return [
        _shipping_out(option.quote, option.shipping)
        for option in services.shipping_options(_cart(request, token))
    ]


@store_router.post(
    "/carts/{token}/complete",
    response={201: OrderPlacedOut, **CART_ERRORS},
    auth=optional_customer_auth,
)
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


@store_router.post("/me/cart/merge", response={200: CartOut, **CART_ERRORS}, auth=customer_auth)
def merge_cart(request: HttpRequest, payload: MergeIn):
    """After signing in: move a guest cart into the customer's cart."""
    return _cart_out(
        services.merge_guest_cart(guest_token=payload.guest_token, user=request.auth.user)
    )


# --- admin ----------------------------------------------------------------------------------


class AbandonedFilters(PageParams):
    idle_hours: int = Field(24, ge=1, le=24 * 365, description="No activity for this long.")


class AbandonedCartOut(Schema):
    token: str
    email: str
    customer: str | None
    lines: int
    items: int
    value: Money
    updated_at: datetime
    created_at: datetime


class AbandonedPage(Schema):
    items: list[AbandonedCartOut]
    next: str | None


@admin_router.get(
    "/checkout/abandoned-carts",
    response={200: AbandonedPage, **problems(401, 403, 422)},
    auth=AdminAuth("checkout.view_cart"),
)
def abandoned_carts(request: HttpRequest, filters: Query[AbandonedFilters]):
    """Open carts with lines and no activity for `idle_hours`, with their value at the
    current list prices, newest activity first."""
    carts = (
        Cart.objects.filter(
            status=Cart.Status.OPEN,
            updated_at__lt=timezone.now() - timedelta(hours=filters.idle_hours),
        )
        .select_related("user")
        .annotate(
            line_count=Count("lines"),
            item_count=Coalesce(Sum("lines__quantity"), 0),
            value=Coalesce(
                Sum(F("lines__quantity") * F("lines__variant__price")),
                Decimal("0"),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
        )
        .filter(line_count__gt=0)
    )

    def item(cart: Cart) -> dict[str, Any]:
        return {
            "token": cart.token,
            "email": cart.email,
            "customer": cart.user.email if cart.user else None,
            "lines": cart.line_count,
            "items": cart.item_count,
            "value": money(Decimal(cart.value), cart.currency),
            "updated_at": cart.updated_at,
            "created_at": cart.created_at,
        }

    return paginate(carts, params=filters, ordering=("-updated_at", "-id"), transform=item)
