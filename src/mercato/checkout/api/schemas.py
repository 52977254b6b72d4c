"""The checkout API's input and output schemas."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import EmailStr, Field, StrictInt

from mercato.core.money import Money
from mercato.core.pagination import PageParams
from mercato.core.schemas import InputSchema, PatchSchema
from mercato.orders.schemas import StatedTotals

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
