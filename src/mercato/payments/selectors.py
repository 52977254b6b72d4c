"""Reads of payments that more than one caller needs."""

from uuid import UUID

from django.db.models import QuerySet

from mercato.orders.models import Order
from mercato.payments.errors import PaymentNotFound
from mercato.payments.models import Payment, Transaction


def get_payment(*, payment_id: UUID | str) -> Payment:
    """The payment with this public id (and its order), or 404 `payment_not_found`."""
    try:
        public_id = UUID(str(payment_id))
    except ValueError:
        raise PaymentNotFound() from None
    payment = Payment.objects.select_related("order").filter(public_id=public_id).first()
    if payment is None:
        raise PaymentNotFound()
    return payment


def list_payments(*, status: str | None = None, provider: str | None = None) -> QuerySet[Payment]:
    """All payments (with their orders), by status or provider when given."""
    payments = Payment.objects.select_related("order")
    if status:
        payments = payments.filter(status=status)
    if provider:
        payments = payments.filter(provider=provider)
    return payments


def list_payments_for_order(*, order: Order) -> QuerySet[Payment]:
    return Payment.objects.filter(order=order)


def list_transactions(*, payment: Payment) -> QuerySet[Transaction]:
    return Transaction.objects.filter(payment=payment)
