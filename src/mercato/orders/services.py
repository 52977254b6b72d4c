"""Orders: placing an order from a priced checkout. (Status moves, fulfilment, returns and
payments build on this; see the Orders issue.)"""

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from mercato.accounts.models import User
from mercato.core.events import record_event
from mercato.orders.models import Order, OrderLine, OrderNumber

FIRST_NUMBER = 10000


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


def next_order_number() -> int:
    return FIRST_NUMBER + OrderNumber.objects.create().pk


def place_order(
    *,
    user: User | None,
    email: str,
    currency: str,
    lines: list[LineSnapshot],
    totals: dict[str, Any],
    shipping_address: dict,
    billing_address: dict,
    shipping: dict[str, Any],
    details: dict[str, Any],
) -> Order:
    """Write an order with its lines (inside the caller's transaction) and record
    `order.created`. `totals`, `shipping` and `details` hold the Order columns of those
    groups; the caller (checkout) has checked and priced everything."""
    with transaction.atomic(savepoint=False):
        order = Order.objects.create(
            number=next_order_number(),
            user=user,
            email=email,
            currency=currency,
            shipping_address=shipping_address,
            billing_address=billing_address,
            guest_token=secrets.token_urlsafe(24),
            **totals,
            **shipping,
            **details,
        )
        OrderLine.objects.bulk_create(OrderLine(order=order, **line.__dict__) for line in lines)
        record_event("order.created", order_id=order.pk, number=order.number)
    return order
