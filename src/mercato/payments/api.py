"""The payments API: shoppers pay their order and confirm 3-D Secure; staff capture, void,
refund and mark paid; providers post webhooks. Thin handlers: the rules are in services."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from mercato.accounts.authentication import AdminAuth, optional_customer_auth
from mercato.accounts.services import actor_for
from mercato.audit.services import Actor
from mercato.core.clientip import get_client_ip
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import one_of, problems
from mercato.orders.access import OrderNotFound, shopper_order
from mercato.orders.models import Order
from mercato.payments import selectors, services
from mercato.payments.errors import PaymentNotFound, ProviderDeclined
from mercato.payments.models import Payment, Transaction
from mercato.payments.schemas import (
    CaptureIn,
    MarkPaidIn,
    PaymentConfirmIn,
    PaymentIn,
    PaymentOut,
    PaymentPage,
    PaymentRefundIn,
    TransactionOut,
    TransactionPage,
    VoidIn,
    payment_out,
    transaction_out,
)

store_router = Router(tags=["store: payments"])
admin_router = Router(tags=["admin: payments"])
webhook_router = Router(tags=["payment webhooks"])

STORE_ERRORS = problems(400, 401, 402, 404, 409, 422)
PAY_ERRORS = problems(400, 401, 402, 404, 409, 422, 429)
ADMIN_ERRORS = problems(400, 401, 402, 403, 404, 409, 422)


def _shopper(request: HttpRequest) -> Actor:
    principal = getattr(request, "principal", None)
    user = principal.user if principal else None
    return Actor(
        user_id=user.pk if user else None,
        label=user.email if user else "guest",
        ip=get_client_ip(request),
        source="store_api",
    )


def _staff(request: HttpRequest) -> Actor:
    return actor_for(request.auth, ip=get_client_ip(request))


def _key(request: HttpRequest) -> str:
    return request.headers.get("Idempotency-Key", "")


def _declined(payment: Payment) -> ProviderDeclined:
    return ProviderDeclined(
        payment.failure_message or "The payment was declined.",
        code=payment.failure_code or ProviderDeclined.code,
        payment_id=str(payment.public_id),
    )


def _answer(txn: Transaction) -> dict[str, Any]:
    if not txn.success:
        raise ProviderDeclined(
            txn.error_message or "The payment provider refused.",
            code=txn.error_code or ProviderDeclined.code,
            transaction_id=str(txn.public_id),
        )
    return transaction_out(txn)


# --- store ----------------------------------------------------------------------------------


@store_router.post(
    "/orders/{order_id}/payments",
    response={201: PaymentOut, **PAY_ERRORS},
    auth=optional_customer_auth,
)
def pay_order(request: HttpRequest, order_id: str, payload: PaymentIn):
    """Pay the order (its customer, or a guest with the order's token in `X-Order-Token`)
    with a provider and a card token (never a card number: 422 `card_data_not_accepted`).
    The answer is the payment: `authorized` or `captured`, `action_required` (do what
    `action` says, then `POST /payments/{id}/confirm`) or `pending` (a webhook or staff
    finish it). A declined card answers 402 with the reason as `code` (`card_declined`,
    `insufficient_funds`) and the `payment_id`; pay again with another card. Attempts are
    limited per order (RATE_LIMIT_PAYMENT_ORDER) and per address (RATE_LIMIT_PAYMENT_IP), a
    declined card counting twice: 429 `rate_limited` with `Retry-After` beyond."""
    order = shopper_order(request, order_id)
    payment = services.start_payment(
        order=order,
        provider=payload.provider,
        token=payload.token,
        amount=payload.amount,
        actor=_shopper(request),
        idempotency_key=_key(request),
    )
    if payment.status == Payment.Status.FAILED:
        raise _declined(payment)
    return Status(201, payment_out(payment, order.public_id))


@store_router.get(
    "/orders/{order_id}/payments",
    response={200: PaymentPage, **STORE_ERRORS},
    auth=optional_customer_auth,
)
def order_payments(request: HttpRequest, order_id: str, page: Query[PageParams]):
    """The order's payments, newest first."""
    order = shopper_order(request, order_id)
    return paginate(
        selectors.list_payments_for_order(order=order),
        params=page,
        transform=lambda p: payment_out(p, order.public_id),
    )


@store_router.post(
    "/payments/{payment_id}/confirm",
    response={200: PaymentOut, **STORE_ERRORS},
    auth=optional_customer_auth,
)
def confirm_payment(request: HttpRequest, payment_id: str, payload: PaymentConfirmIn):
    """Finish 3-D Secure with its (simulated) result. Same access as the order."""
    payment = selectors.get_payment(payment_id=payment_id)
    try:
        shopper_order(request, payment.order.public_id)
    except OrderNotFound:
        raise PaymentNotFound() from None
    payment = services.confirm_payment(
        payment=payment, data=payload.dict(), actor=_shopper(request)
    )
    if payment.status == Payment.Status.FAILED:
        raise _declined(payment)
    return payment_out(payment, payment.order.public_id)


# --- admin ----------------------------------------------------------------------------------


class PaymentFilters(PageParams):
    status: one_of(Payment.Status) | None = None
    provider: str | None = Field(None, max_length=30)


def _admin_order(order_id: UUID) -> Order:
    order = Order.objects.filter(public_id=order_id).first()
    if order is None:
        raise OrderNotFound()
    return order


@admin_router.get(
    "/payments",
    response={200: PaymentPage, **ADMIN_ERRORS},
    auth=AdminAuth("payments.view_payment"),
)
def list_payments(request: HttpRequest, filters: Query[PaymentFilters]):
    """All payments, newest first, by status or provider."""
    payments = Payment.objects.select_related("order")
    if filters.status:
        payments = payments.filter(status=filters.status)
    if filters.provider:
        payments = payments.filter(provider=filters.provider)
    return paginate(payments, params=filters, transform=payment_out)


@admin_router.get(
    "/orders/{order_id}/payments",
    response={200: PaymentPage, **ADMIN_ERRORS},
    auth=AdminAuth("payments.view_payment"),
)
def admin_order_payments(request: HttpRequest, order_id: UUID, page: Query[PageParams]):
    order = _admin_order(order_id)
    return paginate(
        selectors.list_payments_for_order(order=order),
        params=page,
        transform=lambda p: payment_out(p, order.public_id),
    )


@admin_router.get(
    "/payments/{payment_id}",
    response={200: PaymentOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.view_payment"),
)
def get_payment(request: HttpRequest, payment_id: str):
    return payment_out(selectors.get_payment(payment_id=payment_id))


@admin_router.get(
    "/payments/{payment_id}/transactions",
    response={200: TransactionPage, **ADMIN_ERRORS},
    auth=AdminAuth("payments.view_payment"),
)
def payment_transactions(request: HttpRequest, payment_id: str, page: Query[PageParams]):
    """Every attempt at the provider for this payment, newest first."""
    payment = selectors.get_payment(payment_id=payment_id)
    return paginate(
        selectors.list_transactions(payment=payment),
        params=page,
        transform=lambda t: transaction_out(t, payment),
    )


@admin_router.post(
    "/payments/{payment_id}/capture",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
)
def capture(request: HttpRequest, payment_id: str, payload: CaptureIn):
    """Capture `amount` (default: all that is left). Partial captures add up. Send an
    `Idempotency-Key`: a retry returns the first capture."""
    txn = services.capture_payment(
        payment=selectors.get_payment(payment_id=payment_id),
        amount=payload.amount,
        actor=_staff(request),
        idempotency_key=_key(request),
    )
    return _answer(txn)


@admin_router.post(
    "/payments/{payment_id}/void",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
)
def void(request: HttpRequest, payment_id: str, payload: VoidIn):
    """Release what is authorised and not captured (or abandon a pending payment)."""
    txn = services.void_payment(
        payment=selectors.get_payment(payment_id=payment_id),
        actor=_staff(request),
        reason=payload.reason,
        idempotency_key=_key(request),
    )
    return _answer(txn)


@admin_router.post(
    "/payments/{payment_id}/refund",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
)
def refund(request: HttpRequest, payment_id: str, payload: PaymentRefundIn):
    """Refund `amount` (default: all that is left) of what was captured; never more (422
    `refund_exceeds_captured`). Send an `Idempotency-Key`."""
    txn = services.refund_payment(
        payment=selectors.get_payment(payment_id=payment_id),
        amount=payload.amount,
        actor=_staff(request),
        reason=payload.reason,
        idempotency_key=_key(request),
    )
    return _answer(txn)


@admin_router.post(
    "/payments/{payment_id}/mark-paid",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
)
def mark_paid(request: HttpRequest, payment_id: str, payload: MarkPaidIn):
    """A manual payment's money arrived (bank transfer, cash): capture `amount` (default:
    all that is left)."""
    txn = services.mark_paid(
        payment=selectors.get_payment(payment_id=payment_id),
        amount=payload.amount,
        actor=_staff(request),
        reference=payload.reference,
        idempotency_key=_key(request),
    )
    return _answer(txn)


# --- webhooks -------------------------------------------------------------------------------


class WebhookReceived(Schema):
    received: bool
    duplicate: bool
    processed: bool
    outcome: str


@webhook_router.post(
    "/payments/{provider}",
    response={200: WebhookReceived, **problems(400, 401, 404, 409, 422)},
    auth=None,
)
def payment_webhook(request: HttpRequest, provider: str):
    """A provider's event, signed (the test processor: `Test-Processor-Signature`). A bad
    signature is 401 `invalid_signature`; an event seen before is acknowledged and ignored."""
    delivery = services.handle_webhook(
        provider=provider[:30], body=request.body, headers=request.headers
    )
    return {
        "received": True,
        "duplicate": delivery.duplicate,
        "processed": delivery.processed,
        "outcome": delivery.outcome,
    }
