"""The pipeline's input and result: frozen dataclasses, checked when they are made."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

__all__ = [  # the pipeline's inputs and results, exported by the package
    "LineInput",
    "LineResult",
    "PricingInput",
    "PricingResult",
    "PromotionInput",
    "ShippingResult",
    "TaxLine",
    "TaxRules",
    "Totals",
    "VoucherInput",
]

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
STANDARD = "standard"

PERCENTAGE, FIXED, FREE_SHIPPING = "percentage", "fixed", "free_shipping"
ORDER, SPECIFIC = "order", "specific"


def check_amount(value: Decimal, name: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a Decimal of 0 or more, not {value!r}")


def _discount_value(kind: str, value: Decimal, kinds: tuple[str, ...]) -> None:
    if kind not in kinds:
        raise ValueError(f"unknown kind {kind!r}")
    check_amount(value, "value")
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
        if self.quantity < 1:
            raise ValueError("quantity must be 1 or more")
        check_amount(self.unit_price, "unit_price")


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
        check_amount(self.min_subtotal, "min_subtotal")

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
            check_amount(rate, f"rate {key}")
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
            check_amount(self.shipping_price, "shipping_price")


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
    promotion_name: str
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
