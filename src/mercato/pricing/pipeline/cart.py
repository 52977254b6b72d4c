"""`price_cart`: the pipeline's steps in order, each a function named after its rule (see
the package docstring for the rules and where rounding happens), and `price_shipping`."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from mercato.core.money import quantize
from mercato.pricing.pipeline.tax import TaxPlace, stated, tax_place, taxed
from mercato.pricing.pipeline.types import (
    FIXED,
    FREE_SHIPPING,
    HUNDRED,
    PERCENTAGE,
    STANDARD,
    ZERO,
    LineInput,
    LineResult,
    PricingInput,
    PricingResult,
    PromotionInput,
    ShippingResult,
    TaxLine,
    TaxRules,
    Totals,
    check_amount,
)


def price_cart(inp: PricingInput) -> PricingResult:
    """Price a cart: see the package docstring for the steps and where rounding happens."""
    staged = _promoted_lines(inp)  # 1-2
    subtotal = sum((s.subtotal for s in staged), ZERO)
    quantity = sum(line.quantity for line in inp.lines)
    voucher = _apply_voucher(inp, staged, subtotal, quantity)  # 3
    place = tax_place(inp.tax, inp.country, inp.vat_number)  # 5
    lines = tuple(
        _line_result(line, share, place, inp.tax)
        for line, share in zip(staged, voucher.shares, strict=True)
    )
    shipping = _shipping(inp, place, voucher.free_shipping)  # 4-5
    # 6. totals
    net = sum((x.net for x in lines), ZERO) + shipping.net
    tax = sum((x.tax for x in lines), ZERO) + shipping.tax
    total = sum((x.gross for x in lines), ZERO) + shipping.gross
    return PricingResult(
        currency=inp.currency,
        lines=lines,
        shipping=shipping,
        quantity=quantity,
        subtotal=subtotal,
        promotion_discount=sum((x.promotion_discount for x in lines), ZERO),
        voucher_discount=sum(voucher.shares, ZERO) + shipping.discount,
        voucher_id=inp.voucher.id if inp.voucher else None,
        voucher_code=inp.voucher.code if inp.voucher else "",
        voucher_applied=inp.voucher is not None and not voucher.problem,
        voucher_problem=voucher.problem,
        prices_include_tax=inp.tax.prices_include_tax,
        tax_country=place.country,
        reverse_charge=place.reverse_charge,
        legal_note=place.note,
        taxes=_tax_lines([*lines, shipping], place.country),
        net=net,
        tax=tax,
        total=total,
        totals=_stated_totals(lines, shipping, place, inp.tax, tax=tax, total=total),  # 7
        reverse_charge_refused=place.refused,
    )


# --- 1-2. unit prices with promotions, line totals ------------------------------------------


@dataclass(frozen=True)
class _Promoted:
    """A line after step 1: its unit price rounded, discounted by the promotion (if any
    took something off)."""

    line: LineInput
    unit: Decimal
    discounted: Decimal
    promotion: PromotionInput | None

    @property
    def subtotal(self) -> Decimal:
        return self.discounted * self.line.quantity


def _promoted_lines(inp: PricingInput) -> list[_Promoted]:
    """Each line with the best running promotion that targets it."""
    staged = []
    for line in inp.lines:
        unit = quantize(line.unit_price)
        promotion = _best_promotion(line, inp.promotions, inp.currency, inp.now)
        discounted = unit
        if promotion is not None:
            discounted = max(quantize(unit - _unit_discount(promotion, unit)), ZERO)
        staged.append(_Promoted(line, unit, discounted, promotion if discounted < unit else None))
    return staged


def _unit_discount(promotion: PromotionInput, unit_price: Decimal) -> Decimal:
    if promotion.kind == PERCENTAGE:
        off = unit_price * promotion.value / HUNDRED
    else:
        off = promotion.value
    return min(off, unit_price)


def _best_promotion(
    line: LineInput, promotions: tuple[PromotionInput, ...], currency: str, now: datetime | None
) -> PromotionInput | None:
    best, best_off = None, Decimal("-1")
    for promotion in sorted(promotions, key=lambda p: p.id):
        if promotion.kind == FIXED and promotion.currency not in ("", currency):
            continue
        if not promotion.runs_at(now) or not promotion.targets(line):
            continue
        off = _unit_discount(promotion, line.unit_price)
        if off > best_off:
            best, best_off = promotion, off
    return best


def _spread(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `amount` (cents) over `weights` in proportion, by rounding the running total."""
    whole = sum(weights, ZERO)
    if not whole:
        return [ZERO for _ in weights]
    shares, given, running = [], ZERO, ZERO
    for weight in weights:
        running += weight
        so_far = quantize(amount * running / whole)
        shares.append(so_far - given)
        given = so_far
    return shares


# --- 3. voucher ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VoucherShares:
    """What the voucher takes off each line, whether it makes shipping free, and why it
    applies not at all (its problem code)."""

    shares: tuple[Decimal, ...]
    free_shipping: bool = False
    problem: str = ""


def _apply_voucher(
    inp: PricingInput, staged: Sequence[_Promoted], subtotal: Decimal, quantity: int
) -> _VoucherShares:
    none = tuple(ZERO for _ in staged)
    voucher = inp.voucher
    if voucher is None:
        return _VoucherShares(none)
    eligible = [
        i
        for i, s in enumerate(staged)
        if voucher.covers(s.line) and (voucher.combine_with_promotions or s.promotion is None)
    ]
    if voucher.kind == FIXED and voucher.currency not in ("", inp.currency):
        return _VoucherShares(none, problem="voucher_currency")
    if subtotal < voucher.min_subtotal:
        return _VoucherShares(none, problem="voucher_min_subtotal")
    if quantity < voucher.min_quantity:
        return _VoucherShares(none, problem="voucher_min_quantity")
    if not eligible:
        return _VoucherShares(none, problem="voucher_not_applicable")
    if voucher.kind == FREE_SHIPPING:
        return _VoucherShares(none, free_shipping=True)
    weights = [staged[i].subtotal for i in eligible]
    base = sum(weights, ZERO)
    if voucher.kind == PERCENTAGE:
        amount = quantize(base * voucher.value / HUNDRED)
    else:
        amount = quantize(voucher.value)
    shares = list(none)
    for i, share in zip(eligible, _spread(min(amount, base), weights), strict=True):
        shares[i] = share
    return _VoucherShares(tuple(shares))


# --- 5. tax per line --------------------------------------------------------------------------


def _line_result(s: _Promoted, share: Decimal, place: TaxPlace, rules: TaxRules) -> LineResult:
    line = s.line
    total = s.subtotal - share
    rate, net, tax, gross = taxed(total, line.tax_class, place, rules)
    return LineResult(
        key=line.key,
        quantity=line.quantity,
        unit_price=s.unit,
        unit_price_discounted=s.discounted,
        promotion_id=s.promotion.id if s.promotion else None,
        promotion_name=s.promotion.name if s.promotion else "",
        promotion_discount=(s.unit - s.discounted) * line.quantity,
        subtotal=s.subtotal,
        voucher_discount=share,
        total=total,
        tax_class=line.tax_class,
        tax_country=place.country,
        tax_rate=rate,
        net=net,
        tax=tax,
        gross=gross,
        stated_subtotal=stated(s.subtotal, line.tax_class, place, rules),
    )


# --- 6-7. totals ------------------------------------------------------------------------------


def _tax_lines(parts: Sequence[LineResult | ShippingResult], country: str) -> tuple[TaxLine, ...]:
    """The tax of the lines and shipping, summed per rate, highest rate first."""
    taxes: dict[tuple[str, Decimal], list[Decimal]] = {}
    for part in parts:
        if part.gross or part.net:
            bucket = taxes.setdefault((country, part.tax_rate), [ZERO, ZERO])
            bucket[0] += part.net
            bucket[1] += part.tax
    return tuple(
        TaxLine(country=c, rate=r, net=n, tax=t)
        for (c, r), (n, t) in sorted(taxes.items(), key=lambda item: -item[0][1])
    )


def _stated_totals(
    lines: Sequence[LineResult],
    shipping: ShippingResult,
    place: TaxPlace,
    rules: TaxRules,
    *,
    tax: Decimal,
    total: Decimal,
) -> Totals:
    include = rules.prices_include_tax
    subtotal = sum((x.stated_subtotal for x in lines), ZERO)
    listed = sum(
        (stated(x.unit_price * x.quantity, x.tax_class, place, rules) for x in lines), ZERO
    )
    line_discount = subtotal - sum(((x.gross if include else x.net) for x in lines), ZERO)
    return Totals(
        subtotal=subtotal,
        promotion_discount=listed - subtotal,
        discount=line_discount + shipping.stated_discount,
        shipping=shipping.stated_price,
        tax=tax,
        total=total,
        tax_included=include,
    )


# --- 4-5. shipping ----------------------------------------------------------------------------


def price_shipping(
    inp: PricingInput, result: PricingResult, price: Decimal, tax_class: str | None = None
) -> ShippingResult:
    """What a shipping method at `price` (entered, with its own tax class if it has one)
    would cost on the cart `result` priced from `inp`: the ShippingResult `price_cart` gives
    with that method chosen (the destination's tax treatment, a free-shipping voucher), so a
    listing of methods shows what the order will charge."""
    check_amount(price, "price")
    place = tax_place(inp.tax, inp.country, inp.vat_number)
    free = result.voucher_applied and inp.voucher is not None and inp.voucher.kind == FREE_SHIPPING
    chosen = PricingInput(
        currency=inp.currency,
        lines=(),
        tax=inp.tax,
        shipping_price=price,
        country=inp.country,
        vat_number=inp.vat_number,
        shipping_tax_class=tax_class,
    )
    return _shipping(chosen, place, free)


def _shipping(inp: PricingInput, place: TaxPlace, free: bool) -> ShippingResult:
    rules = inp.tax
    price = quantize(inp.shipping_price) if inp.shipping_price is not None else ZERO
    discount = price if free else ZERO
    amount = price - discount
    tax_class = inp.shipping_tax_class or rules.shipping_tax_class or STANDARD
    if rules.tax_shipping:
        rate, net, tax, gross = taxed(amount, tax_class, place, rules)
        stated_price = stated(price, tax_class, place, rules)
        stated_rest = stated(amount, tax_class, place, rules)
    else:
        rate, net, tax, gross = Decimal("0"), amount, ZERO, amount
        stated_price, stated_rest = price, amount
    return ShippingResult(
        price=price,
        discount=discount,
        total=amount,
        tax_class=tax_class,
        tax_rate=rate,
        net=net,
        tax=tax,
        gross=gross,
        stated_price=stated_price,
        stated_discount=stated_price - stated_rest,
    )
