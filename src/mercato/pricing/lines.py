"""Price these lines with shipping: the one pricing flow of a checkout and of an order staff
edit (a draft, or a placed order's lines). The pricing input is built (the voucher code
checked), the lines are priced, the shipping method is quoted for the address, weight and
discounted subtotal, and the cart is priced again with that shipping price.

What keeps the lines from being priced as asked (a voucher that does not apply, a method that
does not serve the address) is reported, not raised: the checkout shows it on the cart, and a
caller that must refuse (completing, a draft) raises it.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from mercato.catalog.models import ProductVariant
from mercato.core.errors import DomainError
from mercato.pricing.errors import VoucherNotUsable
from mercato.pricing.pipeline import PricingInput, PricingResult, VoucherInput, price_cart
from mercato.pricing.selectors import CartLineSpec, PricingRules, build_pricing_input
from mercato.shipping.errors import ShippingMethodUnavailable
from mercato.shipping.models import ShippingMethod
from mercato.shipping.selectors import ShippingQuote, quote_loaded, quote_method

VOUCHER_PROBLEMS = {
    "voucher_not_applicable": "The voucher does not apply to anything in the {what}.",
    "voucher_currency": "The voucher is for another currency.",
    "voucher_min_subtotal": "The {what} does not reach the voucher's minimum subtotal.",
    "voucher_min_quantity": "The {what} does not hold the voucher's minimum quantity.",
}


@dataclass(frozen=True)
class LinesToPrice:
    """Lines to price, for whom and shipped where.

    `voucher_code`: a code to check now; `voucher`: a voucher already redeemed (a placed
    order's), taken as it is. `shipping_method_id`: the method to quote; `shipping_price`:
    the price to charge when it cannot be quoted (None: no shipping then).
    `shipping_methods`: loads the active methods, if the caller keeps them (called only
    when a method is quoted; None: quoted from the database). `variants`, `rules`,
    `only_used_targets`: see `build_pricing_input`.
    `method_tax_class`: shipping is taxed in the method's own tax class, if it has one."""

    lines: Sequence[CartLineSpec]
    weight_grams: int
    currency: str
    country: str | None = None
    vat_number: str = ""
    user_id: int | None = None
    email: str = ""
    voucher_code: str = ""
    voucher: VoucherInput | None = None
    shipping_method_id: str = ""
    shipping_price: Decimal | None = None
    shipping_methods: Callable[[], list[ShippingMethod]] | None = None
    variants: Mapping[int, ProductVariant] | None = None
    rules: PricingRules | None = None
    only_used_targets: bool = False
    method_tax_class: bool = True


@dataclass(frozen=True)
class PricedLines:
    """The priced lines (`result`, from `pricing_input`) and the shipping quote, with what
    was left out: `voucher_error`, the voucher code's refusal (the lines were priced
    without it); `voucher_problem`, why the voucher took nothing off (the pipeline's code);
    `shipping_error`, why the method cannot be quoted."""

    result: PricingResult
    pricing_input: PricingInput
    quote: ShippingQuote | None
    voucher_error: DomainError | None = None
    voucher_problem: str = ""
    shipping_error: ShippingMethodUnavailable | None = None

    def voucher_refusal(self, what: str) -> VoucherNotUsable | None:
        """`voucher_problem` as the error to show or raise, about the `what` ("cart")."""
        if not self.voucher_problem:
            return None
        message = VOUCHER_PROBLEMS.get(self.voucher_problem, "The voucher does not apply.")
        return VoucherNotUsable(
            message.format(what=what), code=self.voucher_problem, field="voucher_code"
        )


def price_lines(order: LinesToPrice) -> PricedLines:
    """Price the lines with promotions, the voucher, shipping to the address and tax."""
    inp, voucher_error = _pricing_input(order)
    result = price_cart(inp)
    quote, shipping_error = _quote(order, result)
    price = quote.price if quote is not None else order.shipping_price
    if price is not None:
        tax_class = quote.tax_class_slug if quote is not None and order.method_tax_class else ""
        inp = replace(inp, shipping_price=price, shipping_tax_class=tax_class or None)
        result = price_cart(inp)
    return PricedLines(
        result,
        inp,
        quote,
        voucher_error=voucher_error,
        voucher_problem=result.voucher_problem,
        shipping_error=shipping_error,
    )


def _pricing_input(order: LinesToPrice) -> tuple[PricingInput, DomainError | None]:
    """The pipeline's input, with the voucher; a refused voucher code is left out and
    returned (any other refusal is raised)."""

    def build(voucher_code: str = "") -> PricingInput:
        return build_pricing_input(
            lines=order.lines,
            country=order.country,
            vat_number=order.vat_number,
            user_id=order.user_id,
            email=order.email,
            currency=order.currency,
            variants=order.variants,
            rules=order.rules,
            only_used_targets=order.only_used_targets,
            voucher_code=voucher_code,
        )

    voucher_error = None
    try:
        inp = build(order.voucher_code)
    except DomainError as exc:
        if not order.voucher_code or not exc.code.startswith("voucher_"):
            raise
        inp, voucher_error = build(), exc
    if order.voucher is not None:
        inp = replace(inp, voucher=order.voucher)
    return inp, voucher_error


def _quote(
    order: LinesToPrice, result: PricingResult
) -> tuple[ShippingQuote | None, ShippingMethodUnavailable | None]:
    """The chosen method's quote for these lines, or why it cannot serve them."""
    if not (order.shipping_method_id and order.country):
        return None, None
    subtotal = result.subtotal - result.voucher_discount
    try:
        if order.shipping_methods is None:
            quote = quote_method(
                method_public_id=order.shipping_method_id,
                country=order.country,
                weight_grams=order.weight_grams,
                subtotal=subtotal,
            )
        else:
            quote = quote_loaded(
                order.shipping_methods(),
                method_public_id=order.shipping_method_id,
                country=order.country,
                weight_grams=order.weight_grams,
                subtotal=subtotal,
            )
    except ShippingMethodUnavailable as exc:
        return None, exc
    return quote, None
