"""The payments back office API: staff list payments and their transactions, and capture,
void, refund and mark paid."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from mercato.accounts.authentication import AdminAuth
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import one_of
from mercato.orders.api.fulfilments import admin_order
from mercato.payments import selectors, services
from mercato.payments.api.common import (
    ADMIN_ERRORS,
    answer,
    idempotency_key,
    order_payments_page,
    staff,
)
from mercato.payments.models import Payment, Transaction
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


if TYPE_CHECKING:
    PaymentStatus = str
else:  # the values inline in the document
    PaymentStatus = one_of(Payment.Status)


class PaymentFilters(PageParams):
    status: PaymentStatus | None = None
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
    return order_payments_page(admin_order(str(order_id)), page)


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


def _move(
    request: HttpRequest, payment_id: str, service: Callable[..., Transaction], **arguments: Any
) -> dict[str, Any]:
    """`service` on the payment, by the staff member, under the request's Idempotency-Key:
    the transaction, or 402 when the provider refused it."""
    txn = service(
        payment=selectors.get_payment(payment_id=payment_id),
        actor=staff(request),
        idempotency_key=idempotency_key(request),
        **arguments,
    )
    return answer(txn)


@admin_router.post(
    "/payments/{payment_id}/capture",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
    operation_id="mercato_payments_api_capture",
)
def capture(request: HttpRequest, payment_id: str, payload: CaptureIn) -> dict[str, Any]:
    """Capture `amount` (default: all that is left). Partial captures add up. Send an
    `Idempotency-Key`: a retry returns the first capture."""
    return _move(request, payment_id, services.capture_payment, amount=payload.amount)


@admin_router.post(
    "/payments/{payment_id}/void",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
    operation_id="mercato_payments_api_void",
)
def void(request: HttpRequest, payment_id: str, payload: VoidIn) -> dict[str, Any]:
    """Release what is authorised and not captured (or abandon a pending payment)."""
    return _move(request, payment_id, services.void_payment, reason=payload.reason)


@admin_router.post(
    "/payments/{payment_id}/refund",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
    operation_id="mercato_payments_api_refund",
)
def refund(request: HttpRequest, payment_id: str, payload: PaymentRefundIn) -> dict[str, Any]:
    """Refund `amount` (default: all that is left) of what was captured; never more (422
    `refund_exceeds_captured`). Send an `Idempotency-Key`."""
    return _move(
        request, payment_id, services.refund_payment, amount=payload.amount, reason=payload.reason
    )


@admin_router.post(
    "/payments/{payment_id}/mark-paid",
    response={200: TransactionOut, **ADMIN_ERRORS},
    auth=AdminAuth("payments.change_payment"),
    operation_id="mercato_payments_api_mark_paid",
)
def mark_paid(request: HttpRequest, payment_id: str, payload: MarkPaidIn) -> dict[str, Any]:
    """A manual payment's money arrived (bank transfer, cash): capture `amount` (default:
    all that is left)."""
    return _move(
        request, payment_id, services.mark_paid, amount=payload.amount, reference=payload.reference
    )
