"""Order histories for the analytics tests, made through the orders and payments services
(real rows, real events), with the moments moved to where a test wants them."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from mercato.accounts.models import User
from mercato.audit.services import SYSTEM
from mercato.catalog.models import ProductVariant
from mercato.catalog.tests.factories import make_product, variant
from mercato.inventory import services as inventory
from mercato.orders.models import Order, Return
from mercato.orders.services import LineSnapshot, place_order
from mercato.orders.services.fulfilment import (
    ParcelLine,
    create_fulfilment,
    mark_delivered,
    mark_shipped,
)
from mercato.orders.services.inputs import OrderDetails, OrderTotals, ShippingChoice
from mercato.orders.services.returns import (
    ReturnItem,
    approve_return,
    receive_return,
    request_return,
)
from mercato.payments import services as payments
from mercato.payments.models import Transaction
from mercato.payments.services import refund_return
from tests.support.orders import ADDRESS, order_warehouse

ZERO = Decimal("0")


@dataclass(frozen=True)
class Line:
    """A line at `price` a unit (gross, as entered), less a promotion and a voucher share."""

    price: str
    quantity: int = 1
    promotion: str = "0"
    voucher: str = "0"
    variant_id: int | None = None  # of a variant in the catalog (`stocked` makes its own)
    promotion_id: int | None = None  # the promotion that took `promotion` off
    promotion_name: str = ""


def _snapshot(
    line: Line, index: int, rate: Decimal, variant: ProductVariant | None = None
) -> LineSnapshot:
    listed = Decimal(line.price) * line.quantity
    promotion, voucher = Decimal(line.promotion), Decimal(line.voucher)
    gross = listed - promotion - voucher
    tax = (gross * rate / (1 + rate)).quantize(Decimal("0.01"))
    return LineSnapshot(
        # without one, a variant deleted since: the line stays
        variant_id=variant.pk if variant else line.variant_id,  # type: ignore[arg-type]
        product_name=f"Product {index}",
        variant_name="",
        sku=f"SKU-{index}",
        quantity=line.quantity,
        unit_price=Decimal(line.price),
        unit_price_discounted=Decimal(line.price) - promotion / line.quantity,
        promotion_discount=promotion,
        voucher_discount=voucher,
        total_net=gross - tax,
        total_tax=tax,
        total_gross=gross,
        tax_rate=rate,
        tax_class="standard",
        promotion_id=line.promotion_id,
        promotion_name=line.promotion_name,
    )


def place(
    *,
    at: datetime,
    currency: str = "EUR",
    lines: list[Line] | None = None,
    shipping: str = "5.00",
    country: str = "DE",
    tax_rate: str = "0.19",
    vat_number: str = "",
    user: User | None = None,
    stocked: bool = False,
    voucher_code: str = "",
) -> Order:
    """An order placed at `at` (gross prices with VAT at `tax_rate` in them, shipping too, as
    the checkout states them: subtotal after promotions, the voucher apart); with a
    `vat_number`, a reverse-charge sale (give it a zero `tax_rate`). `stocked`: each line is
    of a new variant in stock in the Berlin warehouse and the order is allocated there, so it
    can be fulfilled and returned (`deliver_and_return`)."""
    rate = Decimal(tax_rate)
    lines = lines or [Line("10.00")]
    snapshots = [
        _snapshot(line, i, rate, _stocked_variant(line) if stocked else None)
        for i, line in enumerate(lines)
    ]
    after_promotions = sum((s.total_gross + s.voucher_discount for s in snapshots), ZERO)
    voucher = sum((s.voucher_discount for s in snapshots), ZERO)
    promotion = sum((s.promotion_discount for s in snapshots), ZERO)
    ship = Decimal(shipping)
    ship_tax = (ship * rate / (1 + rate)).quantize(Decimal("0.01"))
    lines_tax = sum((s.total_tax for s in snapshots), ZERO)
    lines_net = sum((s.total_net for s in snapshots), ZERO)
    order = place_order(
        user=user,
        email="shopper@example.com",
        currency=currency,
        lines=snapshots,
        totals=OrderTotals(
            subtotal=after_promotions,
            voucher_discount=voucher,
            shipping_price=ship,
            subtotal_net=lines_net,
            subtotal_gross=after_promotions - voucher,
            discount_total=promotion + voucher,
            tax_total=lines_tax + ship_tax,
            total_net=lines_net + ship - ship_tax,
            total_gross=after_promotions - voucher + ship,
            shipping_net=ship - ship_tax,
            shipping_tax=ship_tax,
            shipping_gross=ship,
            shipping_tax_rate=rate,
        ),
        shipping_address={**ADDRESS, "country": country},
        billing_address={**ADDRESS, "country": country},
        shipping=ShippingChoice(method_name="Standard"),
        details=OrderDetails(
            vat_number=vat_number, reverse_charge=bool(vat_number), voucher_code=voucher_code
        ),
    )
    Order.objects.filter(pk=order.pk).update(placed_at=at)
    if stocked:
        inventory.allocate_order(
            order_reference=order.reference,
            lines=[
                inventory.OrderLine(line.reference, line.variant_id, line.quantity)
                for line in order.lines.all()
            ],
            country=country,
        )
    order.refresh_from_db()
    return order


def _stocked_variant(line: Line) -> ProductVariant:
    product = make_product(variants=[variant(line.price)])
    found = product.variants.get()
    inventory.adjust_stock(
        variant=found,
        warehouse=order_warehouse(),
        quantity=line.quantity,
        reason="count",
        actor=SYSTEM,
    )
    return found


def deliver_and_return(order: Order, units: int, *, at: datetime) -> Return:
    """Every line of a `stocked` order sent and delivered, then `units` of its first line
    asked back, approved, received and refunded, the return and its refund moved to `at`."""
    parcel = create_fulfilment(
        order=order,
        warehouse=order_warehouse(),
        lines=[ParcelLine(line, line.quantity) for line in order.lines.order_by("pk")],
        actor=SYSTEM,
    )
    mark_shipped(fulfilment=parcel, actor=SYSTEM)
    mark_delivered(fulfilment=parcel, actor=SYSTEM)
    first = order.lines.order_by("pk").first()
    assert first is not None
    asked = request_return(
        order=order, lines=[ReturnItem(first, min(units, first.quantity), "")], actor=SYSTEM
    )
    approve_return(order_return=asked, actor=SYSTEM)
    receive_return(order_return=asked, actor=SYSTEM)
    done = refund_return(order_return=asked, actor=SYSTEM)
    Return.objects.filter(pk=done.pk).update(created_at=at, refunded_at=at)
    Transaction.objects.filter(payment__order=order, reference=f"return:{done.public_id}").update(
        created_at=at
    )
    return done


def pay(order: Order) -> None:
    """The whole order paid by card (authorised and captured)."""
    payments.start_payment(order=order, provider="test", token="tok_visa", capture=True)


def refund(order: Order, amount: str, *, at: datetime) -> Transaction:
    """`amount` of the order given back, at `at`."""
    order.refresh_from_db()
    (txn,) = payments.refund_order(order=order, amount=Decimal(amount), actor=SYSTEM)
    Transaction.objects.filter(pk=txn.pk).update(created_at=at)
    return txn


def cancel(order: Order) -> None:
    """Cancelled: what was captured is refunded (at the moment it happens)."""
    order.refresh_from_db()
    payments.cancel_order(order=order, actor=SYSTEM)
