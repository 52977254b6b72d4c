"""Schemas of the orders API (orders, drafts, line edits, timeline): one input schema per
endpoint that takes a body, and the shapes of what goes out."""

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictInt

from mercato.core.money import Money, money
from mercato.core.pagination import PageParams
from mercato.core.schemas import InputSchema, PatchSchema, unset
from mercato.orders.models import Order, OrderEvent, OrderLine
from mercato.orders.selectors import ORDER_SORTS, customer_event_data, list_order_payments

if TYPE_CHECKING:  # the values are only known at run time: mypy sees text
    Status = str
    PaymentStatus = str
    Sort = str
else:
    Status = Literal[tuple(Order.Status.values)]
    PaymentStatus = Literal[tuple(Order.PaymentStatus.values)]
    Sort = Literal[tuple(ORDER_SORTS)]

# --- out ------------------------------------------------------------------------------------
# Each schema reads its model: fields named as the model's attributes come as they are, the
# others through `resolve_<field>`. Amounts are money in the order's currency.


def _order_money(attr: str) -> Any:
    """A resolver: the order's `attr` as money in its currency."""
    return staticmethod(lambda order: money(getattr(order, attr), order.currency))


def _line_money(attr: str) -> Any:
    """A resolver: a line's (or a return's) `attr` as money in its order's currency."""
    return staticmethod(lambda line: money(getattr(line, attr), line.order.currency))


def _payment_money(attr: str) -> Any:
    return staticmethod(lambda payment: money(getattr(payment, attr), payment.currency))


def _public_id(obj: Any) -> UUID:
    return obj.public_id


def _attr(path: str) -> Any:
    """A resolver: the object's attribute at `path` (dotted: `order_line.sku`)."""
    return staticmethod(lambda obj: attrgetter(path)(obj))


def _text(attr: str) -> Any:
    """A resolver: the object's `attr` as text (a tax rate)."""
    return staticmethod(lambda obj: str(getattr(obj, attr)))


def _mapping(attr: str) -> Any:
    """A resolver: the object's `attr` (a JSON object), {} when empty."""
    return staticmethod(lambda obj: getattr(obj, attr) or {})


def _timeline(order: Order) -> Any:
    return order.events.all()


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

    resolve_id = staticmethod(_public_id)
    resolve_total = _order_money("total_gross")


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

    resolve_id = staticmethod(_public_id)


class AdminOrderSummaryOut(OrderSummaryOut):
    origin: str
    email: str
    customer: CustomerOut | None
    customer_name: str = Field(description="From the account, else the shipping address.")
    total_charged: Money
    amount_due: Money

    resolve_total_charged = _order_money("total_charged")
    resolve_amount_due = _order_money("amount_due")
    resolve_customer = _attr("user")

    @staticmethod
    def resolve_customer_name(order: Order) -> str:
        user = order.user
        if user is not None and (user.first_name or user.last_name):
            return f"{user.first_name} {user.last_name}".strip()
        address = order.shipping_address or order.billing_address or {}
        return f"{address.get('first_name', '')} {address.get('last_name', '')}".strip()


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

    resolve_id = staticmethod(_public_id)
    resolve_unit_price = _line_money("unit_price")
    resolve_unit_price_discounted = _line_money("unit_price_discounted")
    resolve_promotion_discount = _line_money("promotion_discount")
    resolve_voucher_discount = _line_money("voucher_discount")
    resolve_total_net = _line_money("total_net")
    resolve_total_tax = _line_money("total_tax")
    resolve_total_gross = _line_money("total_gross")
    resolve_tax_rate = _text("tax_rate")

    @staticmethod
    def resolve_variant_id(line: OrderLine) -> UUID | None:
        return line.variant.public_id if line.variant else None


class OrderShippingOut(Schema):  # read from the order's shipping_* fields
    method_id: str
    method_name: str
    net: Money
    tax: Money
    gross: Money
    tax_rate: str

    resolve_net = _order_money("shipping_net")
    resolve_tax = _order_money("shipping_tax")
    resolve_gross = _order_money("shipping_gross")
    resolve_method_id = _attr("shipping_method_id")
    resolve_method_name = _attr("shipping_method_name")
    resolve_tax_rate = _text("shipping_tax_rate")


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


class OrderTotalsOut(StatedTotals):  # read from the order's stated totals
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

    resolve_subtotal = _order_money("subtotal")
    resolve_discount = _order_money("voucher_discount")
    resolve_shipping = _order_money("shipping_price")
    resolve_tax = _order_money("tax_total")
    resolve_total = _order_money("total_gross")
    resolve_subtotal_net = _order_money("subtotal_net")
    resolve_subtotal_gross = _order_money("subtotal_gross")
    resolve_net = _order_money("total_net")
    resolve_gross = _order_money("total_gross")


class _PartOfLineOut(Schema):
    """Units of an order line in a parcel or a return (a FulfilmentLine or a ReturnLine)."""

    line_id: UUID
    sku: str
    quantity: int

    resolve_line_id = _attr("order_line.public_id")
    resolve_sku = _attr("order_line.sku")


class OrderFulfilmentLineOut(_PartOfLineOut):
    pass


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

    resolve_id = staticmethod(_public_id)


class AdminFulfilmentOut(OrderFulfilmentOut):
    warehouse: str
    cancelled_at: datetime | None

    resolve_warehouse = _attr("warehouse.slug")


class OrderReturnLineOut(_PartOfLineOut):
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

    resolve_id = staticmethod(_public_id)
    resolve_refund_amount = _line_money("refund_amount")


class AdminOrderReturnOut(OrderReturnOut):
    staff_note: str


class StoreEventOut(Schema):  # an entry of the history as the customer sees it
    type: str
    created_at: datetime
    data: dict[str, Any]

    @staticmethod
    def resolve_data(event: OrderEvent) -> dict[str, Any]:
        return customer_event_data(event)


class EventOut(Schema):
    id: int
    type: str
    created_at: datetime
    actor: str
    note: str
    data: dict[str, Any]

    resolve_actor = _attr("actor_label")
    resolve_data = _mapping("data")


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
    fulfilments: Sequence[OrderFulfilmentOut]  # narrowed by AdminOrderOut
    returns: Sequence[OrderReturnOut]

    resolve_id = staticmethod(_public_id)
    resolve_total_charged = _order_money("total_charged")
    resolve_total_refunded = _order_money("total_refunded")
    resolve_amount_due = _order_money("amount_due")
    resolve_shipping_address = _mapping("shipping_address")
    resolve_billing_address = _mapping("billing_address")

    @staticmethod
    def resolve_shipping(order: Order) -> Order:
        return order  # OrderShippingOut reads the order's shipping_* fields

    @staticmethod
    def resolve_totals(order: Order) -> Order:
        return order  # OrderTotalsOut reads the order's stated totals


class StoreOrderOut(OrderOut):
    timeline: list[StoreEventOut]

    resolve_timeline = staticmethod(_timeline)


class OrderPaymentOut(Schema):
    id: UUID
    provider: str
    status: str
    amount: Money
    captured: Money
    refunded: Money
    created_at: datetime

    resolve_id = staticmethod(_public_id)
    resolve_amount = _payment_money("amount")
    resolve_captured = _payment_money("captured_amount")
    resolve_refunded = _payment_money("refunded_amount")


class AdminOrderOut(OrderOut):
    # `payments` comes from the validation context (`AdminOrderOut.of`): null for staff
    # without the payments view permission
    origin: str
    customer: CustomerOut | None
    total_authorized: Money
    fulfilments: list[AdminFulfilmentOut]
    returns: list[AdminOrderReturnOut]
    payments: list[OrderPaymentOut] | None = Field(
        description="The order's payments, newest first (null without the payments app)."
    )
    timeline: list[EventOut]

    resolve_total_authorized = _order_money("total_authorized")
    resolve_customer = _attr("user")
    resolve_timeline = staticmethod(_timeline)

    @classmethod
    def of(cls, order: Order, *, show_payments: bool) -> "AdminOrderOut":
        payments = list_order_payments(order) if show_payments else None
        return cls.model_validate(order, context={"payments": payments})

    @staticmethod
    def resolve_payments(order: Order, context: dict[str, Any]) -> list[Any] | None:
        payments: list[Any] | None = context["payments"]
        return payments


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
    email: str = unset(max_length=254)
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
