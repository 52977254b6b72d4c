"""The pricing pipeline: the only place where a cart's (and so an order's) totals are computed.

`price_cart(PricingInput) -> PricingResult` is a pure function over frozen dataclasses: it
runs no query and reads no setting or clock, so the same input always gives the same result.
`pricing.selectors.build_pricing_input` loads what it needs (prices, promotions, the voucher,
tax rules and rates) from the database.

Money is `Decimal` in one currency, `PricingInput.currency`, which the result repeats; a
fixed-amount promotion or voucher of another currency does not apply. "Entered" amounts (unit
prices, shipping price) are gross when `TaxRules.prices_include_tax`, net otherwise; discounts
are taken off entered amounts.

Steps, in order:

1. Unit prices. Each line gets the best running promotion that targets its product (the
   product itself, its category or any ancestor of it, or a collection it is in): the one that
   takes most off the unit price (a tie goes to the lower id). Percentage: unit price x value
   / 100; fixed: value per unit. The discounted unit price is never below 0 and is rounded
   half-up to the cent here (ROUNDING 1), so that line totals are whole cents.
2. Line totals: subtotal = discounted unit price x quantity (exact);
   promotion discount = (unit price - discounted unit price) x quantity.
3. Voucher. It applies when the order subtotal (sum of step 2) reaches `min_subtotal` and the
   quantity `min_quantity`. Eligible lines: every line (applies_to "order") or the lines whose
   product, category or an ancestor of it the voucher names ("specific"); without
   `combine_with_promotions`, a line a promotion discounted is not eligible. The amount is
   value % of the eligible subtotal, rounded half-up once for the order (ROUNDING 2), or the
   fixed value; never more than the eligible subtotal. It is spread over the eligible lines in
   proportion to their subtotals by rounding the running total: each line gets
   round(amount x subtotals so far / eligible subtotal) minus what the lines before it got, so
   the last line takes the remainder cents, the shares add up to the amount exactly and no
   share exceeds its line. A free-shipping voucher discounts no line: it makes shipping 0
   (when at least one line is eligible).
4. Shipping: the price the caller gives (an entered amount), 0 with free shipping.
5. Tax, once per line and once on shipping (ROUNDING 3), on the amount left after discounts:
   - The country whose rates apply: the origin country (TaxSettings) for a sale inside it.
     From an EU origin to another EU country: the destination's rates when
     `oss_threshold_exceeded`, the origin's otherwise; but an intra-EU sale to a business
     with a well-formed VAT number of the destination country is zero-rated, "reverse
     charge", with its legal note (the acquisition is taxed where the goods arrive). With
     `reverse_charge_requires_destination_country` off, a number of any EU country other
     than the origin will do. A VAT number that gives no reverse charge says why
     (`PricingResult.reverse_charge_refused`). From an EU origin to a country outside the
     EU: the destination's rates if the shop has any for it, otherwise zero-rated as an
     export (with its note). From a non-EU origin: the destination's rates.
   - The rate: the line's tax class in that country, else the country's "standard" rate,
     else 0. Shipping uses the shipping method's own tax class
     (`PricingInput.shipping_tax_class`) when it has one, else `TaxRules.shipping_tax_class`
     (standard when empty), or no tax at all without `tax_shipping`.
   - Net prices: tax = round(amount x rate); gross = amount + tax.
   - Gross prices: the entered price is what a consumer pays in any country: gross = amount,
     net = round(amount / (1 + rate)), tax = gross - net. A zero-rated sale drops the VAT the
     entered price holds at the origin country's rate: gross = net = round(amount / (1 +
     origin rate)).
6. Totals: total = sum of line grosses + shipping gross; net and tax are sums over the same
   lines, so total = net + tax exactly, and each line's gross = its net + its tax.
7. The stated totals (`PricingResult.totals`, what carts, orders, invoices and emails show):
   every amount "as stated", i.e. the entered amount in the destination's tax treatment:
   the entered amount itself, except that a zero-rated sale with gross prices states it
   without the origin's VAT (round(amount / (1 + origin rate)), the way step 5 charges it).
   subtotal = sum of the lines' stated subtotals (after promotions, before the voucher);
   shipping = the stated shipping price (before a free-shipping voucher); discount = what
   the voucher took off, stated: (stated subtotal - line gross or net) per line, plus the
   stated shipping discount. So, to the cent: subtotal - discount + shipping = total with
   gross prices (the tax is inside), and subtotal - discount + shipping + tax = total with
   net prices.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from mercato.pricing.vat import EU_COUNTRIES, EXPORT_NOTE, REVERSE_CHARGE_NOTE, vat_country

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
STANDARD = "standard"

PERCENTAGE, FIXED, FREE_SHIPPING = "percentage", "fixed", "free_shipping"
ORDER, SPECIFIC = "order", "specific"


def round_money(amount: Decimal) -> Decimal:
    """Half-up to the cent: the one rounding the pipeline uses."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _amount(value: Decimal, name: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a Decimal of 0 or more, not {value!r}")


def _discount_value(kind: str, value: Decimal, kinds: tuple[str, ...]) -> None:
    if kind not in kinds:
        raise ValueError(f"unknown kind {kind!r}")
    _amount(value, "value")
    if kind == PERCENTAGE and value > HUNDRED:
        raise ValueError("a percentage is at most 100")


# --- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """A cart line. `category_ids` holds the product's category and all its ancestors."""

    key: str
    quantity: int
    unit_price: Decimal
    product_id: int
    tax_class: str = STANDARD
    category_ids: frozenset[int] = frozenset()
    collection_ids: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise ValueError("quantity must be an int")
        if self.quantity < 1:
            raise ValueError("quantity must be 1 or more")
        _amount(self.unit_price, "unit_price")


@dataclass(frozen=True)
class PromotionInput:
    """A promotion; `category_ids` are the categories it names (their subcategories match
    through LineInput.category_ids)."""

    id: int
    name: str
    kind: str
    value: Decimal
    currency: str = ""
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    collection_ids: frozenset[int] = frozenset()
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def __post_init__(self) -> None:
        _discount_value(self.kind, self.value, (PERCENTAGE, FIXED))

    def targets(self, line: LineInput) -> bool:
        return (
            line.product_id in self.product_ids
            or bool(line.category_ids & self.category_ids)
            or bool(line.collection_ids & self.collection_ids)
        )

    def runs_at(self, now: datetime | None) -> bool:
        if now is None:
            return True
        started = self.starts_at is None or self.starts_at <= now
        return started and (self.ends_at is None or now < self.ends_at)


@dataclass(frozen=True)
class VoucherInput:
    """A voucher whose other rules (dates, usage limits) the caller has checked."""

    id: int
    code: str
    kind: str
    value: Decimal = ZERO
    currency: str = ""
    applies_to: str = ORDER
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    min_subtotal: Decimal = ZERO
    min_quantity: int = 0
    combine_with_promotions: bool = True

    def __post_init__(self) -> None:
        _discount_value(self.kind, self.value, (PERCENTAGE, FIXED, FREE_SHIPPING))
        if self.applies_to not in (ORDER, SPECIFIC):
            raise ValueError(f"unknown applies_to {self.applies_to!r}")
        _amount(self.min_subtotal, "min_subtotal")

    def covers(self, line: LineInput) -> bool:
        return (
            self.applies_to == ORDER
            or line.product_id in self.product_ids
            or bool(line.category_ids & self.category_ids)
        )


@dataclass(frozen=True)
class TaxRules:
    """TaxSettings and the rates: {(tax class slug, country): rate} (0.19 is 19 %). Only the
    rates of the countries involved need to be there."""

    origin_country: str
    rates: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    prices_include_tax: bool = True
    tax_shipping: bool = True
    shipping_tax_class: str = STANDARD
    oss_threshold_exceeded: bool = False
    reverse_charge_requires_destination_country: bool = True

    def __post_init__(self) -> None:
        for key, rate in self.rates.items():
            _amount(rate, f"rate {key}")
            if rate >= 1:
                raise ValueError(f"rate {key} must be below 1")
        object.__setattr__(self, "rates", MappingProxyType(dict(self.rates)))

    def rate(self, tax_class: str, country: str) -> Decimal:
        found = self.rates.get((tax_class, country))
        if found is None:
            found = self.rates.get((STANDARD, country), Decimal("0"))
        return found

    def has_rates_for(self, country: str) -> bool:
        return any(c == country for _, c in self.rates)


@dataclass(frozen=True)
class PricingInput:
    currency: str
    lines: tuple[LineInput, ...]
    tax: TaxRules
    promotions: tuple[PromotionInput, ...] = ()
    voucher: VoucherInput | None = None
    shipping_price: Decimal | None = None
    country: str | None = None
    vat_number: str = ""
    now: datetime | None = None
    shipping_tax_class: str | None = None  # the shipping method's own class, if it has one

    def __post_init__(self) -> None:
        if self.shipping_price is not None:
            _amount(self.shipping_price, "shipping_price")


# --- result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineResult:
    """A priced line. unit_price .. total are entered amounts (gross or net, see
    PricingResult.prices_include_tax); net, tax and gross are after tax."""

    key: str
    quantity: int
    unit_price: Decimal
    unit_price_discounted: Decimal
    promotion_id: int | None
    promotion_discount: Decimal
    subtotal: Decimal
    voucher_discount: Decimal
    total: Decimal
    tax_class: str
    tax_country: str
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal
    stated_subtotal: Decimal = ZERO  # `subtotal` as the totals state it (step 7)


@dataclass(frozen=True)
class ShippingResult:
    """Shipping: price, discount (free shipping) and total are entered amounts;
    stated_price and stated_discount are price and discount as the totals state them
    (step 7). `gross` is what shipping adds to the order's total."""

    price: Decimal
    discount: Decimal
    total: Decimal
    tax_class: str
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal
    stated_price: Decimal = ZERO
    stated_discount: Decimal = ZERO


@dataclass(frozen=True)
class Totals:
    """The one set of totals of a cart and of the order placed from it (step 7). Amounts are
    stated as the shop enters prices: with the tax in them when `tax_included`
    (prices include tax), without it otherwise; a zero-rated sale (reverse charge, export)
    states them without the origin's VAT, as it charges them.

    - subtotal: the lines after promotions, before the voucher;
    - promotion_discount: what promotions took off the lines' list prices (already out of
      subtotal; for information);
    - discount: what the voucher took off the lines and (free shipping) the shipping;
    - shipping: the shipping price before the voucher;
    - tax: the tax of the order (inside the amounts when tax_included, on top otherwise);
    - total: what the customer pays.

    subtotal - discount + shipping (+ tax unless tax_included) = total, to the cent."""

    subtotal: Decimal
    promotion_discount: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    tax_included: bool


@dataclass(frozen=True)
class TaxLine:
    """The tax of every line (and shipping) taxed at one rate of one country."""

    country: str
    rate: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class PricingResult:
    """The priced cart. `subtotal` is the sum of line subtotals (after promotions, before the
    voucher; entered amounts); `voucher_discount` is what the voucher took off lines and
    shipping; `voucher_problem` says why a given voucher did not apply (voucher_min_subtotal,
    voucher_min_quantity, voucher_not_applicable, voucher_currency). `legal_note` is the
    reverse-charge or export note an order must carry. total = net + tax. `totals` is the
    set of totals to show (step 7). `reverse_charge_refused` says why a VAT number gave no
    reverse charge: vat_number_not_destination, vat_number_origin_country,
    reverse_charge_domestic, reverse_charge_not_intra_eu, invalid_vat_number ("" when
    there is none, when reverse charge applies, or when the sale is an export)."""

    currency: str
    lines: tuple[LineResult, ...]
    shipping: ShippingResult
    quantity: int
    subtotal: Decimal
    promotion_discount: Decimal
    voucher_discount: Decimal
    voucher_id: int | None
    voucher_code: str
    voucher_applied: bool
    voucher_problem: str
    prices_include_tax: bool
    tax_country: str
    reverse_charge: bool
    legal_note: str
    taxes: tuple[TaxLine, ...]
    net: Decimal
    tax: Decimal
    total: Decimal
    totals: Totals
    reverse_charge_refused: str = ""


# --- steps ----------------------------------------------------------------------------------


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
        so_far = round_money(amount * running / whole)
        shares.append(so_far - given)
        given = so_far
    return shares


@dataclass(frozen=True)
class _TaxPlace:
    country: str
    zero_rated: bool
    note: str
    refused: str = ""  # why the VAT number gave no reverse charge

    @property
    def reverse_charge(self) -> bool:
        return self.note == REVERSE_CHARGE_NOTE


def _tax_place(rules: TaxRules, destination: str | None, vat_number: str) -> _TaxPlace:
    origin = rules.origin_country.upper()
    country = (destination or origin).upper()
    business = vat_country(vat_number) if vat_number else None
    if origin not in EU_COUNTRIES:
        return _TaxPlace(country, False, "", "reverse_charge_not_intra_eu" if vat_number else "")
    if country == origin:
        return _TaxPlace(origin, False, "", "reverse_charge_domestic" if vat_number else "")
    if country in EU_COUNTRIES:
        refused = ""
        if vat_number:
            if business is None:
                refused = "invalid_vat_number"
            elif business == origin:
                refused = "vat_number_origin_country"
            elif business != country and rules.reverse_charge_requires_destination_country:
                refused = "vat_number_not_destination"
            else:
                return _TaxPlace(country, True, REVERSE_CHARGE_NOTE)
        return _TaxPlace(country if rules.oss_threshold_exceeded else origin, False, "", refused)
    if rules.has_rates_for(country):
        return _TaxPlace(country, False, "", "reverse_charge_not_intra_eu" if vat_number else "")
    return _TaxPlace(country, True, EXPORT_NOTE)


def _stated(amount: Decimal, tax_class: str, place: _TaxPlace, rules: TaxRules) -> Decimal:
    """An entered amount as the totals state it (step 7)."""
    if place.zero_rated and rules.prices_include_tax:
        return _taxed(amount, tax_class, place, rules)[3]
    return amount


def _taxed(
    amount: Decimal, tax_class: str, place: _TaxPlace, rules: TaxRules
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(rate, net, tax, gross) of an entered amount."""
    if place.zero_rated:
        if rules.prices_include_tax:
            origin_rate = rules.rate(tax_class, rules.origin_country.upper())
            net = round_money(amount / (1 + origin_rate))
            return Decimal("0"), net, ZERO, net
        return Decimal("0"), amount, ZERO, amount
    rate = rules.rate(tax_class, place.country)
    if rules.prices_include_tax:
        net = round_money(amount / (1 + rate))
        return rate, net, amount - net, amount
    tax = round_money(amount * rate)
    return rate, amount, tax, amount + tax


# --- the pipeline ---------------------------------------------------------------------------


def price_cart(inp: PricingInput) -> PricingResult:
    """Price a cart: see the module docstring for the steps and where rounding happens."""
    # 1-2. unit prices with promotions, line totals
    staged = []
    for line in inp.lines:
        unit = round_money(line.unit_price)
        promotion = _best_promotion(line, inp.promotions, inp.currency, inp.now)
        discounted = unit
        if promotion is not None:
            discounted = max(round_money(unit - _unit_discount(promotion, unit)), ZERO)
        staged.append((line, unit, discounted, promotion if discounted < unit else None))
    subtotal = sum((d * line.quantity for line, _, d, _ in staged), ZERO)
    quantity = sum(line.quantity for line in inp.lines)

    # 3. voucher
    voucher, problem = inp.voucher, ""
    shares = [ZERO] * len(staged)
    free_shipping = False
    if voucher is not None:
        eligible = [
            i
            for i, (line, _, _, promotion) in enumerate(staged)
            if voucher.covers(line) and (voucher.combine_with_promotions or promotion is None)
        ]
        if voucher.kind == FIXED and voucher.currency not in ("", inp.currency):
            problem = "voucher_currency"
        elif subtotal < voucher.min_subtotal:
            problem = "voucher_min_subtotal"
        elif quantity < voucher.min_quantity:
            problem = "voucher_min_quantity"
        elif not eligible:
            problem = "voucher_not_applicable"
        elif voucher.kind == FREE_SHIPPING:
            free_shipping = True
        else:
            weights = [staged[i][2] * staged[i][0].quantity for i in eligible]
            base = sum(weights, ZERO)
            if voucher.kind == PERCENTAGE:
                amount = round_money(base * voucher.value / HUNDRED)
            else:
                amount = round_money(voucher.value)
            for i, share in zip(eligible, _spread(min(amount, base), weights), strict=True):
                shares[i] = share

    # 4-5. shipping, tax
    place = _tax_place(inp.tax, inp.country, inp.vat_number)
    lines = []
    for (line, unit, discounted, promotion), share in zip(staged, shares, strict=True):
        line_subtotal = discounted * line.quantity
        total = line_subtotal - share
        rate, net, tax, gross = _taxed(total, line.tax_class, place, inp.tax)
        lines.append(
            LineResult(
                key=line.key,
                quantity=line.quantity,
                unit_price=unit,
                unit_price_discounted=discounted,
                promotion_id=promotion.id if promotion else None,
                promotion_discount=(unit - discounted) * line.quantity,
                subtotal=line_subtotal,
                voucher_discount=share,
                total=total,
                tax_class=line.tax_class,
                tax_country=place.country,
                tax_rate=rate,
                net=net,
                tax=tax,
                gross=gross,
                stated_subtotal=_stated(line_subtotal, line.tax_class, place, inp.tax),
            )
        )
    shipping = _shipping(inp, place, free_shipping)

    # 6. totals
    taxes: dict[tuple[str, Decimal], list[Decimal]] = {}
    for part in [*lines, shipping]:
        if part.gross or part.net:
            bucket = taxes.setdefault((place.country, part.tax_rate), [ZERO, ZERO])
            bucket[0] += part.net
            bucket[1] += part.tax
    net = sum((x.net for x in lines), ZERO) + shipping.net
    tax = sum((x.tax for x in lines), ZERO) + shipping.tax
    total = sum((x.gross for x in lines), ZERO) + shipping.gross
    applied = voucher is not None and not problem

    # 7. the stated totals
    include = inp.tax.prices_include_tax
    subtotal_stated = sum((x.stated_subtotal for x in lines), ZERO)
    listed = sum(
        (_stated(x.unit_price * x.quantity, x.tax_class, place, inp.tax) for x in lines), ZERO
    )
    line_discount = subtotal_stated - sum(((x.gross if include else x.net) for x in lines), ZERO)
    totals = Totals(
        subtotal=subtotal_stated,
        promotion_discount=listed - subtotal_stated,
        discount=line_discount + shipping.stated_discount,
        shipping=shipping.stated_price,
        tax=tax,
        total=total,
        tax_included=include,
    )
    return PricingResult(
        currency=inp.currency,
        lines=tuple(lines),
        shipping=shipping,
        quantity=quantity,
        subtotal=subtotal,
        promotion_discount=sum((x.promotion_discount for x in lines), ZERO),
        voucher_discount=sum(shares, ZERO) + shipping.discount,
        voucher_id=voucher.id if voucher else None,
        voucher_code=voucher.code if voucher else "",
        voucher_applied=applied,
        voucher_problem=problem,
        prices_include_tax=inp.tax.prices_include_tax,
        tax_country=place.country,
        reverse_charge=place.reverse_charge,
        legal_note=place.note,
        taxes=tuple(
            TaxLine(country=c, rate=r, net=n, tax=t)
            for (c, r), (n, t) in sorted(taxes.items(), key=lambda item: -item[0][1])
        ),
        net=net,
        tax=tax,
        total=total,
        totals=totals,
        reverse_charge_refused=place.refused,
    )


def price_shipping(
    inp: PricingInput, result: PricingResult, price: Decimal, tax_class: str | None = None
) -> ShippingResult:
    """What a shipping method at `price` (entered, with its own tax class if it has one)
    would cost on the cart `result` priced from `inp`: the ShippingResult `price_cart` gives
    with that method chosen (the destination's tax treatment, a free-shipping voucher), so a
    listing of methods shows what the order will charge."""
    _amount(price, "price")
    place = _tax_place(inp.tax, inp.country, inp.vat_number)
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


def _shipping(inp: PricingInput, place: _TaxPlace, free: bool) -> ShippingResult:
    rules = inp.tax
    price = round_money(inp.shipping_price) if inp.shipping_price is not None else ZERO
    discount = price if free else ZERO
    amount = price - discount
    tax_class = inp.shipping_tax_class or rules.shipping_tax_class or STANDARD
    if rules.tax_shipping:
        rate, net, tax, gross = _taxed(amount, tax_class, place, rules)
        stated_price = _stated(price, tax_class, place, rules)
        stated_rest = _stated(amount, tax_class, place, rules)
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
