"""Reads of the checkout: a cart by its token, its lines, and the cart priced now
(`price_checkout`) with the shipping methods that serve it; the abandoned carts for the back
office."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict, TypeGuard

from django.db.models import Count, DecimalField, F, Manager, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from mercato.accounts.models import User
from mercato.catalog.models import Product
from mercato.checkout.errors import CartNotFound, CheckoutIncomplete
from mercato.checkout.models import Cart, CartLine
from mercato.core.errors import DomainError
from mercato.inventory.selectors import reservation_columns
from mercato.pricing.lines import LinesToPrice, PricedLines, price_lines
from mercato.pricing.pipeline import PricingInput, PricingResult, ShippingResult, price_shipping
from mercato.pricing.selectors import (
    CartLineSpec,
    PricingRules,
    pricing_rules,
    pricing_version_expression,
)
from mercato.shipping.errors import ShippingMethodUnavailable
from mercato.shipping.models import ShippingMethod
from mercato.shipping.selectors import ShippingQuote, active_methods, offered_methods


def reservation_reference(cart: Cart) -> str:
    return f"cart:{cart.token}"


@dataclass(frozen=True)
class CartRef:
    """A cart named by its token, as the caller (`user`, None for a guest) reached it: what the
    store API hands to the services, which lock it by token in one query."""

    token: str
    user: User | None = None


def is_reachable(cart: Cart | None, user: User | None) -> TypeGuard[Cart]:
    return not (
        cart is None
        or (cart.user_id is not None and (user is None or cart.user_id != user.pk))
        or (cart.status == Cart.Status.OPEN and cart.expires_at <= timezone.now())
        or cart.status == Cart.Status.MERGED
    )


def get_cart(*, token: str, user: User | None) -> Cart:
    """A cart by its token. A customer's cart opens only for that customer; an unknown,
    expired or someone else's cart is simply not found."""
    cart = with_pricing_version(Cart.objects).filter(token=str(token)[:64]).first()
    if not is_reachable(cart, user):
        raise CartNotFound()
    return cart


def with_pricing_version(carts: Manager[Cart] | QuerySet[Cart]) -> QuerySet[Cart]:
    """Carts read with the pricing rules' version (`cart.pricing_version`), which pricing
    the cart then needs no query for."""
    return carts.annotate(pricing_version=pricing_version_expression())


# What the checkout reads of a line's variant and its product (pricing, the response, the
# order's snapshot), read with the line: the other columns are left in the database (the
# query tests catch a new use of one, which would cost a query per line).
VARIANT_FIELDS = (
    "id",
    "public_id",
    "product_id",
    "sku",
    "name",
    "price",
    "currency",
    "weight_grams",
    "track_inventory",
    "product__id",
    "product__name",
    "product__status",
    "product__published_at",
    "product__category_id",
    "product__product_type_id",
)


LINE_FIELDS = ("id", "public_id", "cart_id", "variant_id", "quantity", "unit_price", "created_at")


def list_cart_lines(cart: Cart) -> list[CartLine]:
    """The cart's lines in order, with what pricing and the response need of their variants,
    and what the cart's reservation holds of each (`quantity_reserved`, `quantity_short`:
    units lost to a stock cut); one query."""
    return list(
        cart.lines.select_related("variant__product")
        .only(*LINE_FIELDS, *(f"variant__{name}" for name in VARIANT_FIELDS))
        .annotate(**reservation_columns(reservation_reference(cart)))
        .order_by("created_at", "id")
    )


def is_visible(product: Product, now: datetime) -> bool:
    """Product.objects.visible() for a loaded product: published, its publish date come."""
    return product.status == Product.Status.PUBLISHED and (
        product.published_at is None or product.published_at <= now
    )


# --- prices ---------------------------------------------------------------------------------


def vat_number_problem(
    result: PricingResult, *, vat_number: str, destination: str | None, origin: str
) -> dict[str, str] | None:
    """Why the cart's VAT number gives no reverse charge ({code, detail}), or None."""
    code = result.reverse_charge_refused
    if not code:
        return None
    destination, business = (destination or origin).upper(), vat_number[:2].upper()
    business = "GR" if business == "EL" else business
    details = {
        "vat_number_not_destination": (
            f"Reverse charge needs a VAT number of {destination}, where the goods go (the "
            f"intra-EU acquisition is taxed there); this one is of {business}, so VAT is "
            "charged."
        ),
        "vat_number_origin_country": (
            f"A VAT number of {origin}, the shop's own country, gives no reverse charge; VAT "
            "is charged."
        ),
        "reverse_charge_domestic": (
            f"A sale within {origin} carries VAT whatever the VAT number; reverse charge is "
            "for deliveries to another EU country."
        ),
        "reverse_charge_not_intra_eu": (
            "Reverse charge is for deliveries between EU countries; this sale carries the "
            "destination's tax."
        ),
    }
    return {"code": code, "detail": details.get(code, "Not a VAT number; VAT is charged.")}


@dataclass(frozen=True)
class PricedCheckout:
    """A cart's prices from the pricing pipeline, with what keeps it from completing, and
    why its VAT number gives no reverse charge (`vat_number_problem`, which does not)."""

    result: PricingResult
    shipping: ShippingQuote | None
    weight_grams: int
    lines: list[CartLine]
    rules: PricingRules
    pricing_input: PricingInput
    voucher_problem: dict[str, str] | None = None
    shipping_problem: dict[str, str] | None = None
    vat_number_problem: dict[str, str] | None = None


@dataclass(frozen=True)
class ShippingOption:
    """A method that serves the cart, with what choosing it costs (`shipping`: the
    pipeline's ShippingResult, in the destination's tax treatment, with the voucher)."""

    quote: ShippingQuote
    shipping: ShippingResult


SHIPPING_METHODS = "checkout.shipping_methods"


def _shipping_methods(rules: PricingRules) -> list[ShippingMethod]:
    """The active shipping methods, kept in memory with the pricing rules (checkout/apps.py
    bumps their version when a zone, method or bracket changes)."""
    return rules.memo(SHIPPING_METHODS, active_methods)


def price_checkout(
    cart: Cart, *, strict: bool = False, lines: list[CartLine] | None = None
) -> PricedCheckout:
    """Price the cart now (current prices, running promotions, the voucher, shipping to the
    address, tax). Without `strict`, a voucher or shipping method that no longer applies is
    left out and reported; with it (completing), it is refused. `lines`: the cart's lines,
    if the caller has them already (as `_lines` reads them).

    Store-wide rules (tax, promotions, shipping methods) come from the per-process cache of
    `pricing_rules` (one query to check its version); the lines' variants come with them."""
    lines = list_cart_lines(cart) if lines is None else lines
    # the version read with the cart row serves once: a Cart kept longer asks again
    version = cart.__dict__.pop("pricing_version", None)
    rules = pricing_rules(version=version) if version is not None else pricing_rules()
    country = (cart.shipping_address or {}).get("country") or None
    weight = sum((line.variant.weight_grams or 0) * line.quantity for line in lines)
    priced = price_lines(
        LinesToPrice(
            lines=[
                CartLineSpec(
                    key=str(line.public_id), variant_id=line.variant_id, quantity=line.quantity
                )
                for line in lines
            ],
            weight_grams=weight,
            currency=cart.currency,
            country=country,
            vat_number=cart.vat_number,
            user_id=cart.user_id,
            email=cart.email,
            voucher_code=cart.voucher_code,
            shipping_method_id=cart.shipping_method_id,
            shipping_methods=lambda: _shipping_methods(rules),
            variants={line.variant_id: line.variant for line in lines},
            rules=rules,
            only_used_targets=True,
        )
    )
    if strict:
        _refuse(priced)
    return PricedCheckout(
        priced.result,
        priced.quote,
        weight,
        lines,
        rules,
        priced.pricing_input,
        voucher_problem=_problem(priced.voucher_error) or _problem(priced.voucher_refusal("cart")),
        shipping_problem=_problem(priced.shipping_error),
        vat_number_problem=vat_number_problem(
            priced.result,
            vat_number=cart.vat_number,
            destination=country,
            origin=rules.tax_settings.origin_country,
        ),
    )


def _problem(error: DomainError | None) -> dict[str, str] | None:
    return {"code": error.code, "detail": str(error)} if error is not None else None


def _refuse(priced: PricedLines) -> None:
    """Completing: a voucher or shipping method that does not apply is refused."""
    if priced.voucher_error is not None:
        raise priced.voucher_error
    if refusal := priced.voucher_refusal("cart"):
        raise refusal
    if (error := priced.shipping_error) is not None:  # named after the checkout's field
        raise ShippingMethodUnavailable(str(error), field="shipping_method_id") from error


def shipping_options(cart: Cart, *, lines: list[CartLine] | None = None) -> list[ShippingOption]:
    """The methods that serve the cart's address, weight and value, each with what it will
    cost on this cart: taxed for the destination (an export drops the origin's VAT, as the
    order does) and with a free-shipping voucher (no query beyond pricing the cart)."""
    country = (cart.shipping_address or {}).get("country")
    if not country:
        raise CheckoutIncomplete("Set a shipping address first.", field="shipping_address")
    priced = price_checkout(cart, lines=lines)
    quotes = offered_methods(
        _shipping_methods(priced.rules),
        country=country,
        weight_grams=priced.weight_grams,
        subtotal=priced.result.subtotal - priced.result.voucher_discount,
    )
    return [
        ShippingOption(
            quote,
            price_shipping(
                priced.pricing_input, priced.result, quote.price, quote.tax_class_slug or None
            ),
        )
        for quote in quotes
    ]


# --- back office ----------------------------------------------------------------------------


class AbandonedCartCounts(TypedDict):
    line_count: int
    item_count: int
    value: Decimal


if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import WithAnnotations

    AbandonedCart = WithAnnotations[Cart, AbandonedCartCounts]
else:
    AbandonedCart = Cart


def list_abandoned_carts(*, idle_hours: int) -> QuerySet[AbandonedCart]:
    """Open carts with lines and no activity for `idle_hours`, with their customer and
    `line_count`, `item_count` and `value` (at the current list prices)."""
    return (
        Cart.objects.filter(
            status=Cart.Status.OPEN,
            updated_at__lt=timezone.now() - timedelta(hours=idle_hours),
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
