"""Schemas of the orders API (orders, drafts, line edits, timeline): one input schema per
endpoint that takes a body, and the shapes of what goes out."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictInt

from mercato.core.money import Money
from mercato.core.pagination import PageParams
from mercato.core.schemas import InputSchema, PatchSchema
from mercato.orders.models import Order
from mercato.orders.selectors import ORDER_SORTS

Status = Literal[tuple(Order.Status.values)]  # type: ignore[valid-type]
PaymentStatus = Literal[tuple(Order.PaymentStatus.values)]  # type: ignore[valid-type]
Sort = Literal[tuple(ORDER_SORTS)]  # type: ignore[valid-type]

# --- out ------------------------------------------------------------------------------------


class LineSummaryOut(Schema):
    product_name: str
    variant_name: str
    sku: str
    quantity: int


class OrderSummaryOut(Schema):
    id: UUID
    number: int
    status: str
    payment_status: str
    total: Money
    item_count: int
    created_at: datetime
    placed_at: datetime | None


class StoreOrderSummaryOut(OrderSummaryOut):
    lines: list[LineSummaryOut]


class StoreOrderPage(Schema):
    items: list[StoreOrderSummaryOut]
    next: str | None


class CustomerOut(Schema):
    id: UUID
    email: str
    first_name: str
    last_name: str


class AdminOrderSummaryOut(OrderSummaryOut):
    origin: str
    email: str
    customer: CustomerOut | None
    customer_name: str = Field(description="From the account, else the shipping address.")
    total_charged: Money
    amount_due: Money


class AdminOrderPage(Schema):
    items: list[AdminOrderSummaryOut]
    next: str | None


class LineOut(Schema):
    id: UUID
    variant_id: UUID | None = Field(description="Null when the variant was deleted since.")
    product_name: str
    variant_name: str
    sku: str
    quantity: int
    quantity_fulfilled: int
    quantity_returned: int
    unit_price: Money = Field(description="As listed, before discounts.")
    unit_price_discounted: Money
    promotion_discount: Money
    voucher_discount: Money
    total_net: Money
    total_tax: Money
    total_gross: Money
    tax_rate: str


class OrderShippingOut(Schema):
    method_id: str
    method_name: str
    net: Money
    tax: Money
    gross: Money
    tax_rate: str


STATED = (
    " Stated as prices are entered: with tax when `prices_include_tax`, without otherwise"
    " (a zero-rated sale, reverse charge or export, states it without the origin's VAT)."
)


class StatedTotals(Schema):
    """The one set of totals of carts and orders (docs/api.md, "Totals"): subtotal -
    discount + shipping = total when `prices_include_tax` (the tax is inside), subtotal -
    discount + shipping + tax = total otherwise, to the cent."""

    subtotal: Money = Field(description="The lines after promotions, before the voucher." + STATED)
    discount: Money = Field(
        description="What the voucher took off the lines and (free shipping) the shipping." + STATED
    )
    shipping: Money = Field(description="The shipping price before the voucher." + STATED)
    tax: Money = Field(
        description="The order's tax: inside the amounts when `prices_include_tax`, on top "
        "otherwise."
    )
    total: Money = Field(description="What the customer pays, tax included.")
    prices_include_tax: bool = Field(description="How the amounts above are stated.")
    reverse_charge: bool
    tax_note: str = Field(description="The reverse-charge or export note, if any.")


class OrderTotalsOut(StatedTotals):
    subtotal_net: Money = Field(
        deprecated=True,
        description="Deprecated: the lines after every discount (the voucher too), net. "
        "Use `subtotal` and `discount`.",
    )
    subtotal_gross: Money = Field(
        deprecated=True,
        description="Deprecated: the lines after every discount (the voucher too), gross. "
        "Use `subtotal` and `discount`.",
    )
    net: Money = Field(deprecated=True, description="Deprecated: the order's net total.")
    gross: Money = Field(deprecated=True, description="Deprecated: `total`.")


class OrderFulfilmentLineOut(Schema):
    line_id: UUID
    sku: str
    quantity: int


class OrderFulfilmentOut(Schema):
    id: UUID
    number: int
    status: str
    carrier: str
    tracking_number: str
    tracking_url: str
    created_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    lines: list[OrderFulfilmentLineOut]


class AdminFulfilmentOut(OrderFulfilmentOut):
    warehouse: str
    cancelled_at: datetime | None


class OrderReturnLineOut(Schema):
    line_id: UUID
    sku: str
    quantity: int
    reason: str


class OrderReturnOut(Schema):
    id: UUID
    number: int
    status: str
    reason: str
    refund_amount: Money
    refund_shipping: bool
    created_at: datetime
    lines: list[OrderReturnLineOut]


class AdminOrderReturnOut(OrderReturnOut):
    staff_note: str


class StoreEventOut(Schema):
    type: str
    created_at: datetime
    data: dict[str, Any]


class EventOut(Schema):
    id: int
    type: str
    created_at: datetime
    actor: str
    note: str
    data: dict[str, Any]


class EventPage(Schema):
    items: list[EventOut]
    next: str | None


class OrderOut(Schema):
    id: UUID
    number: int
    status: str
    payment_status: str
    email: str
    currency: str
    created_at: datetime
    placed_at: datetime | None
    cancelled_at: datetime | None
    lines: list[LineOut]
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any]
    shipping: OrderShippingOut
    totals: OrderTotalsOut
    prices_include_tax: bool
    voucher_code: str
    vat_number: str
    reverse_charge: bool
    tax_note: str
    customer_note: str
    total_charged: Money
    total_refunded: Money
    amount_due: Money
    fulfilments: list[OrderFulfilmentOut]
    returns: list[OrderReturnOut]


class StoreOrderOut(OrderOut):
    timeline: list[StoreEventOut]


class OrderPaymentOut(Schema):
    id: UUID
    provider: str
    status: str
    amount: Money
    captured: Money
    refunded: Money
    created_at: datetime


class AdminOrderOut(OrderOut):
    origin: str
    customer: CustomerOut | None
    total_authorized: Money
    fulfilments: list[AdminFulfilmentOut]
    returns: list[AdminOrderReturnOut]
    payments: list[OrderPaymentOut] | None = Field(
        description="The order's payments, newest first (null without the payments app)."
    )
    timeline: list[EventOut]


# --- in -------------------------------------------------------------------------------------


class AdminOrderFilters(PageParams):
    status: Status | None = None
    payment_status: PaymentStatus | None = None
    origin: Literal["checkout", "draft"] | None = None
    email: str = Field("", max_length=254)
    customer_id: UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    number: int | None = Field(None, ge=0, le=2_000_000_000)
    search: str = Field("", max_length=100, description="Number, email, customer name or SKU.")
    sort: Sort = "-created_at"


class DraftAddressIn(InputSchema):
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    company: str = Field("", max_length=100)
    line1: str = Field("", max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field("", max_length=2)
    phone: str = Field("", max_length=30)


class DraftLineIn(InputSchema):
    variant_id: UUID
    quantity: StrictInt = Field(description="1 to 10,000.")


class DraftIn(InputSchema):
    customer_id: UUID | None = Field(None, description="A customer account (its email is used).")
    email: str = Field("", max_length=254)
    lines: list[DraftLineIn] = Field(default_factory=list, max_length=100)
    shipping_address: DraftAddressIn | None = None
    billing_address: DraftAddressIn | None = Field(
        None, description="Default: the shipping address."
    )
    shipping_method_id: UUID | None = None
    voucher_code: str = Field("", max_length=100)
    note: str = Field("", max_length=5000, description="The customer's note.")


class DraftPatch(PatchSchema):
    customer_id: UUID | None = None
    email: str = Field(None, max_length=254)
    shipping_address: DraftAddressIn | None = None
    billing_address: DraftAddressIn | None = None
    shipping_method_id: UUID | None = None
    voucher_code: str | None = Field(None, max_length=100)
    note: str | None = Field(None, max_length=5000)


class LineQuantityIn(InputSchema):
    quantity: StrictInt = Field(description="1 to 10,000.")


class OrderNoteIn(InputSchema):
    note: str = Field(max_length=5000)


class OrderConfirmIn(InputSchema):
    note: str = Field("", max_length=5000)
