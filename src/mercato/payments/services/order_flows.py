"""The flows that span orders and payments, kept here because payments is the higher app:
cancelling an order (its stock and its money back) and refunding a return. The orders' parts
are orders services (`orders.services.cancellation`, `orders.services.returns`); the money's
part is `order_money`. Each flow is one transaction: if any step fails, nothing changed."""

from django.db import transaction

from mercato.audit.services import Actor
from mercato.orders.models import Order, Return
from mercato.orders.services.cancellation import close_cancelled_order, release_order_stock
from mercato.orders.services.fulfilment import clean_note
from mercato.orders.services.returns import close_refunded_return, start_return_refund
from mercato.payments.services.order_money import refund_order, release_order_payments


def cancel_order(*, order: Order, actor: Actor, note: str = "") -> Order:
    """Cancel `order`: allocations released, payments voided or refunded, status cancelled,
    event `order.cancelled`. Refuses (409 `order_not_cancellable`) an order already
    cancelled, a draft, or one with anything fulfilled; a provider's refusal is 402
    `ProviderDeclined`."""
    note = clean_note(note)
    with transaction.atomic():
        order, freed = release_order_stock(order=order, actor=actor)
        release_order_payments(order=order, actor=actor, reason=note or "order cancelled")
        return close_cancelled_order(order=order, actor=actor, note=note, units_released=freed)


def refund_return(*, order_return: Return, refund_shipping: bool = False, actor: Actor) -> Return:
    """Give the money of a received return back, through the order's payments (reference
    `return:<public_id>`, so a retry never refunds twice). 409 `shipping_already_refunded`
    if another return of the order refunded the shipping. The refund is what the goods are
    worth, at most what the order's payments still hold: goods sent back from an order that
    was never (fully) paid, cash on delivery say, close the return with less or nothing."""
    with transaction.atomic():
        refund = start_return_refund(order_return=order_return, refund_shipping=refund_shipping)
        if refund.amount > 0:
            refund_order(
                order=refund.order,
                amount=refund.amount,
                actor=actor,
                reason=refund.reason,
                reference=refund.reference,
            )
        return close_refunded_return(refund=refund, actor=actor)
