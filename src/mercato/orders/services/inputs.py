"""Typed inputs of `place_order`: what the checkout hands over, checked and priced. Each
dataclass holds one group of Order (or OrderLine) columns; a field left out takes the
column's default."""

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

ZERO = Decimal("0")


@dataclass(frozen=True)
class LineSnapshot:
    """An order line as the customer bought it, copied from the catalog and the pricing."""

    variant_id: int
    product_name: str
    variant_name: str
    sku: str
    quantity: int
    unit_price: Decimal
    unit_price_discounted: Decimal
    promotion_discount: Decimal
    voucher_discount: Decimal
    total_net: Decimal
    total_tax: Decimal
    total_gross: Decimal
    tax_rate: Decimal
    tax_class: str
    promotion_id: int | None = None  # the promotion that priced it
    promotion_name: str = ""


@dataclass(frozen=True, kw_only=True)
class Columns:
    """A dataclass whose fields are named as the Order's columns."""

    def columns(self) -> dict[str, Any]:
        """The Order columns and their values."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True, kw_only=True)
class OrderTotals(Columns):
    """The order's stated totals (`subtotal`, `voucher_discount`, `shipping_price`,
    `tax_total`, `total_gross`; see pricing.pipeline.Totals), the net and gross sums behind
    them and the shipping amounts, named as the Order's columns."""

    subtotal: Decimal = ZERO
    voucher_discount: Decimal = ZERO
    shipping_price: Decimal = ZERO
    subtotal_net: Decimal = ZERO
    subtotal_gross: Decimal = ZERO
    discount_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    total_net: Decimal = ZERO
    total_gross: Decimal = ZERO
    shipping_net: Decimal = ZERO
    shipping_tax: Decimal = ZERO
    shipping_gross: Decimal = ZERO
    shipping_tax_rate: Decimal = ZERO
    prices_include_tax: bool = True


@dataclass(frozen=True, kw_only=True)
class ShippingChoice:
    """The shipping method chosen, as the order keeps it (its id and name at the time)."""

    method_id: str = ""
    method_name: str = ""


@dataclass(frozen=True, kw_only=True)
class OrderDetails(Columns):
    """The rest of what the customer gave and the pricing decided."""

    voucher_code: str = ""
    vat_number: str = ""
    reverse_charge: bool = False
    tax_note: str = ""
    customer_note: str = ""
    checkout_token: str = ""
