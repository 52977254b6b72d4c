"""Placing an order from a priced checkout, and confirming it."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mercato.accounts.models import User
from mercato.audit.services import SYSTEM, Actor
from mercato.core.events import record_event
from mercato.orders.models import Order, OrderEvent, OrderLine, OrderNumber
from mercato.orders.services.inputs import LineSnapshot, OrderDetails, OrderTotals, ShippingChoice
from mercato.orders.services.status import lock_order, record_order_event, transition_order
from mercato.pricing.pipeline import PricingResult

FIRST_NUMBER = 10000


def priced_totals(result: PricingResult) -> OrderTotals:
    """The Order's total and shipping-amount columns from a priced cart: the stated totals
    and the net and gross sums behind them. A checkout and a draft both write an order's
    totals with this."""
    totals, shipping = result.totals, result.shipping
    return OrderTotals(
        subtotal=totals.subtotal,
        voucher_discount=totals.discount,
        shipping_price=totals.shipping,
        subtotal_net=sum((line.net for line in result.lines), Decimal("0")),
        subtotal_gross=sum((line.gross for line in result.lines), Decimal("0")),
        discount_total=totals.promotion_discount + totals.discount,
        tax_total=result.tax,
        total_net=result.net,
        total_gross=result.total,
        shipping_net=shipping.net,
        shipping_tax=shipping.tax,
        shipping_gross=shipping.gross,
        shipping_tax_rate=shipping.tax_rate,
        prices_include_tax=result.prices_include_tax,
    )


def next_order_number() -> int:
    return FIRST_NUMBER + OrderNumber.objects.create().pk


def place_order(
    *,
    user: User | None,
    email: str,
    currency: str,
    lines: list[LineSnapshot],
    totals: OrderTotals,
    shipping_address: dict,
    billing_address: dict,
    shipping: ShippingChoice,
    details: OrderDetails,
    actor: Actor = SYSTEM,
) -> Order:
    """Write an order with its lines (inside the caller's transaction), put it on its
    timeline and record `order.created`. The caller (checkout) has checked and priced
    everything.

    The order starts unfulfilled, or unconfirmed when ORDERS_AUTO_CONFIRM is off (staff then
    confirm it)."""
    status = Order.Status.UNFULFILLED if settings.ORDERS_AUTO_CONFIRM else Order.Status.UNCONFIRMED
    with transaction.atomic(savepoint=False):
        order = Order.objects.create(
            number=next_order_number(),
            user=user,
            email=email,
            currency=currency,
            status=status,
            shipping_address=shipping_address,
            billing_address=billing_address,
            guest_token=secrets.token_urlsafe(24),
            placed_at=timezone.now(),
            shipping_method_id=shipping.method_id,
            shipping_method_name=shipping.method_name,
            **totals.columns(),
            **details.columns(),
        )
        OrderLine.objects.bulk_create(OrderLine(order=order, **line.__dict__) for line in lines)
        record_order_event(order, OrderEvent.Type.PLACED, actor=actor, status=status)
        record_event("order.created", order_id=order.pk, number=order.number)
    return order


def confirm_order(*, order: Order, actor: Actor, note: str = "") -> Order:
    """Staff accept an unconfirmed order: it can now be fulfilled."""
    with transaction.atomic():
        order = lock_order(order)
        transition_order(order, Order.Status.UNFULFILLED, actor=actor, note=note)
        record_event("order.confirmed", order_id=order.pk)
    return order
