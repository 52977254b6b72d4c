"""Request and response shapes of the payments API."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field

from mercato.core.money import Money, money
from mercato.core.schemas import InputSchema
from mercato.payments.models import Payment, Transaction

AMOUNT_HELP = "A string or number with at most two decimals; empty means all that is left."


class PaymentIn(InputSchema):
    provider: str = Field(max_length=30, description="`manual` or `test` (PAYMENT_PROVIDERS).")
    token: str = Field(
        "",
        max_length=255,
        description="The card token from the provider's client library (never a card number).",
    )
    amount: Decimal | None = Field(None, description="Default: all the order still owes.")


class PaymentConfirmIn(InputSchema):
    authentication: str = Field(
        max_length=20, description="The simulated 3-D Secure result: `complete` or `fail`."
    )


class CaptureIn(InputSchema):
    amount: Decimal | None = Field(None, description=AMOUNT_HELP)


class VoidIn(InputSchema):
    reason: str = Field("", max_length=500)


class PaymentRefundIn(InputSchema):
    amount: Decimal | None = Field(None, description=AMOUNT_HELP)
    reason: str = Field("", max_length=500)


class MarkPaidIn(InputSchema):
    amount: Decimal | None = Field(None, description=AMOUNT_HELP)
    reference: str = Field("", max_length=100, description="E.g. the bank transfer's reference.")


class PaymentOut(Schema):
    id: UUID
    order_id: UUID
    provider: str
    status: str
    amount: Money
    captured: Money
    refunded: Money
    capturable: Money
    refundable: Money
    action: dict[str, Any] | None = Field(
        None, description="While action_required: what the client must do (3-D Secure)."
    )
    failure_code: str
    failure_message: str
    card_brand: str
    card_last4: str
    created_at: datetime
    updated_at: datetime


class PaymentPage(Schema):
    items: list[PaymentOut]
    next: str | None


class TransactionOut(Schema):
    id: UUID
    payment_id: UUID
    kind: str
    amount: Money
    success: bool
    error_code: str
    error_message: str
    provider_reference: str
    reference: str
    reason: str
    actor: str
    provider_response: dict[str, Any]
    created_at: datetime


class TransactionPage(Schema):
    items: list[TransactionOut]
    next: str | None


def payment_out(payment: Payment, order_public_id: UUID | None = None) -> dict[str, Any]:
    c = payment.currency
    return {
        "id": payment.public_id,
        "order_id": order_public_id or payment.order.public_id,
        "provider": payment.provider,
        "status": payment.status,
        "amount": money(payment.amount, c),
        "captured": money(payment.captured_amount, c),
        "refunded": money(payment.refunded_amount, c),
        "capturable": money(payment.capturable_amount, c),
        "refundable": money(payment.refundable_amount, c),
        "action": payment.action,
        "failure_code": payment.failure_code,
        "failure_message": payment.failure_message,
        "card_brand": payment.card_brand,
        "card_last4": payment.card_last4,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
    }


def transaction_out(txn: Transaction, payment: Payment | None = None) -> dict[str, Any]:
    payment = payment or txn.payment
    return {
        "id": txn.public_id,
        "payment_id": payment.public_id,
        "kind": txn.kind,
        "amount": money(txn.amount, payment.currency),
        "success": txn.success,
        "error_code": txn.error_code,
        "error_message": txn.error_message,
        "provider_reference": txn.provider_reference,
        "reference": txn.reference,
        "reason": txn.reason,
        "actor": txn.actor_label,
        "provider_response": txn.raw_response,
        "created_at": txn.created_at,
    }
