"""A cart as the API shows it: priced now, or as its order was placed."""

from typing import Any
from uuid import UUID

from mercato.checkout import selectors
from mercato.checkout.api.schemas import CartLineOut
from mercato.checkout.models import Cart
from mercato.core.money import Money, money
from mercato.orders.models import Order
from mercato.orders.schemas import LineOut, OrderTotalsOut
from mercato.pricing.pipeline import ShippingResult, Totals
from mercato.shipping.selectors import ShippingQuote


def shipping_out(quote: ShippingQuote, shipping: ShippingResult) -> dict[str, Any]:
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


def _totals_out(
    totals: Totals, currency: str, *, reverse_charge: bool, tax_note: str
) -> dict[str, Any]:
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


def cart_out(cart: Cart) -> dict[str, Any]:
    """The cart priced now, from the lines the service just read (`line_snapshot`) when it
    gives them; a completed cart shows its order as placed."""
    if cart.status == Cart.Status.COMPLETED and cart.order is not None:
        return _completed_cart_out(cart, cart.order)
    priced = selectors.price_checkout(cart, lines=getattr(cart, "line_snapshot", None))
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
        "shipping_method": shipping_out(priced.shipping, result.shipping)
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


class PlacedLineOut(CartLineOut):
    """An order line as its completed cart shows it, read from the order's own line schema
    (orders' LineOut), with the id of the cart line it came from (`line_ids` of the context:
    cart line ids by variant id; the order line's own id where no cart line matches)."""

    @staticmethod
    def resolve_id(line: LineOut, context: dict[str, Any]) -> UUID:
        return context["line_ids"].get(line.variant_id, line.id)

    @staticmethod
    def resolve_total(line: LineOut) -> Money:
        return line.total_gross


# what a cart shows of itself, as it is stored
CART_FIELDS = (
    "token",
    "status",
    "email",
    "shipping_address",
    "billing_address",
    "voucher_code",
    "vat_number",
    "note",
    "expires_at",
)


def _cart_fields(cart: Cart) -> dict[str, Any]:
    return {name: getattr(cart, name) for name in CART_FIELDS}


def _completed_cart_out(cart: Cart, order: Order) -> dict[str, Any]:
    """A completed cart as its order was placed: the order's lines, shipping and totals (not
    priced again), with `order_id` and `order_number`. Line ids are the cart's."""
    currency = order.currency
    cart_line_ids: dict[UUID | None, UUID] = dict(
        cart.lines.values_list("variant__public_id", "public_id")
    )
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
            PlacedLineOut.model_validate(
                LineOut.model_validate(line), context={"line_ids": cart_line_ids}
            )
            for line in order_lines
        ],
        "totals": OrderTotalsOut.model_validate(order),  # the order's stated totals
        "order_id": order.public_id,
        "order_number": order.number,
    }
