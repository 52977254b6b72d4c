"""The payments back office API: staff list payments and their transactions, and capture,
void, refund and mark paid."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from mercato.accounts.authentication import AdminAuth
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import one_of
from mercato.orders.api.fulfilments import admin_order
from mercato.payments import selectors, services
from mercato.payments.api.common import ADMIN_ERRORS, answer, idempotency_key, staff
from mercato.payments.models import Payment
from mercato.payments.schemas import (
    CaptureIn,
    MarkPaidIn,
    PaymentOut,
    PaymentPage,
    PaymentRefundIn,
    TransactionOut,
    TransactionPage,
    VoidIn,
    payment_out,
    transaction_out,
)

admin_router = Router(tags=["admin: payments"])


class PaymentFilters(PageParams):
    status: one_of(Payment.Status) | None = None
    provider: str | None = Field(None, max_length=30)


@admin_router.get(
    "/payments",
    response={200: PaymentPage, **ADMIN_ERRORS},
    auth=AdminAuth("payments.view_payment"),
    operation_id="mercato_payments_api_list_payments",
)
def list_payments(request: HttpRequest, filters: Query[PaymentFilters]) -> dict[str, Any]:
    """All payments, newest first, by status or provider."""
    payments = selectors.list_payments(status=filters.status, provider=filters.provider)
    return paginate(payments, params=filters, transform=payment_out)


@admin_router.get(
    "/orders/{order_id}/payments",
    response={200: PaymentPage, **ADMIN_ERRORS},
    auth=AdminAuth("payments.view_payment"),
    operation_id="mercato_payments_api_admin_order_payments",
)
def admin_order_payments(
    request: HttpRequest, order_id: UUID, page: Query[PageParams]
) -> dict[str, Any]:
    order = admin_order(str(order_id))
    return paginate(
        selectors.list_payments_for_order(order=order),
        params=page,
        transform=lambda p: payment_out(p, order.public_id),
    )


@admin_router.get(
    "/payments/{payment_id}",
    response={200: PaymentOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.view_payment"),
    operation_id="mercato_payments_api_get_payment",
)
def get_payment(request: HttpRequest, payment_id: str) -> dict[str, Any]:
    return payment_out(selectors.get_payment(payment_id=payment_id))


@admin_router.get(
    "/payments/{payment_id}/transactions",
    response={200: TransactionPage, **ADMIN_ERRORS},
    auth=AdminAuth("payments.view_payment"),
    operation_id="mercato_payments_api_payment_transactions",
)
def payment_transactions(
    request: HttpRequest, payment_id: str, page: Query[PageParams]
) -> dict[str, Any]:
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
    operation_id="mercato_payments_api_capture",
)
def capture(request: HttpRequest, payment_id: str, payload: CaptureIn) -> dict[str, Any]:
    """Capture `amount` (default: all that is left). Partial captures add up. Send an
    `Idempotency-Key`: a retry returns the first capture."""
    txn = services.capture_payment(
        payment=selectors.get_payment(payment_id=payment_id),
        amount=payload.amount,
        actor=staff(request),
        idempotency_key=idempotency_key(request),
    )
    return answer(txn)


@admin_router.post(
    "/payments/{payment_id}/void",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
    operation_id="mercato_payments_api_void",
)
def void(request: HttpRequest, payment_id: str, payload: VoidIn) -> dict[str, Any]:
    """Release what is authorised and not captured (or abandon a pending payment)."""
    txn = services.void_payment(
        payment=selectors.get_payment(payment_id=payment_id),
        actor=staff(request),
        reason=payload.reason,
        idempotency_key=idempotency_key(request),
    )
    return answer(txn)


@admin_router.post(
    "/payments/{payment_id}/refund",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
    operation_id="mercato_payments_api_refund",
)
def refund(request: HttpRequest, payment_id: str, payload: PaymentRefundIn) -> dict[str, Any]:
    """Refund `amount` (default: all that is left) of what was captured; never more (422
    `refund_exceeds_captured`). Send an `Idempotency-Key`."""
    txn = services.refund_payment(
        payment=selectors.get_payment(payment_id=payment_id),
        amount=payload.amount,
        actor=staff(request),
        reason=payload.reason,
        idempotency_key=idempotency_key(request),
    )
    return answer(txn)


@admin_router.post(
    "/payments/{payment_id}/mark-paid",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
    operation_id="mercato_payments_api_mark_paid",
)
def mark_paid(request: HttpRequest, payment_id: str, payload: MarkPaidIn) -> dict[str, Any]:
    """A manual payment's money arrived (bank transfer, cash): capture `amount` (default:
    all that is left)."""
    txn = services.mark_paid(
        payment=selectors.get_payment(payment_id=payment_id),
        amount=payload.amount,
        actor=staff(request),
        reference=payload.reference,
        idempotency_key=idempotency_key(request),
    )
    return answer(txn)
