"""The payments back office API: staff list payments and their transactions, and capture,
void, refund and mark paid."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from mercato.accounts.operations import admin_operation
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import one_of
from mercato.orders.api.fulfilments import admin_order
from mercato.payments import selectors, services
from mercato.payments.api.common import (
    ADMIN_ERROR_CODES,
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


def _view(path: str, *, out: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A staff read: GET `path`, answered with `out`; its operation id is the handler's name
    (`mercato_payments_api_<name>`)."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        return admin_operation(
            admin_router,
            "get",
            path,
            out=out,
            errors=ADMIN_ERROR_CODES,
            permission="payments.view_payment",
            operation_id=f"mercato_payments_api_{handler.__name__}",
        )(handler)

    return register


@_view("/payments", out=PaymentPage)
def list_payments(request: HttpRequest, filters: Query[PaymentFilters]) -> dict[str, Any]:
    """All payments, newest first, by status or provider."""
    payments = selectors.list_payments(status=filters.status, provider=filters.provider)
    return paginate(payments, params=filters, transform=payment_out)


@_view("/orders/{order_id}/payments", out=PaymentPage)
def admin_order_payments(
    request: HttpRequest, order_id: UUID, page: Query[PageParams]
) -> dict[str, Any]:
    return order_payments_page(admin_order(str(order_id)), page)


@_view("/payments/{payment_id}", out=PaymentOut)
def get_payment(request: HttpRequest, payment_id: str) -> dict[str, Any]:
    return payment_out(selectors.get_payment(payment_id=payment_id))


@_view("/payments/{payment_id}/transactions", out=TransactionPage)
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


def _movement(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A staff member moves a payment's money: POST /payments/{payment_id}/<action>."""
    return admin_operation(
        admin_router,
        "post",
        f"/payments/{{payment_id}}/{action}",
        out=TransactionOut,
        errors=ADMIN_ERROR_CODES,
        permission="payments.change_payment",
        operation_id=f"mercato_payments_api_{action.replace('-', '_')}",
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


@_movement("capture")
def capture(request: HttpRequest, payment_id: str, payload: CaptureIn) -> dict[str, Any]:
    """Capture `amount` (default: all that is left). Partial captures add up. Send an
    `Idempotency-Key`: a retry returns the first capture."""
    return _move(request, payment_id, services.capture_payment, amount=payload.amount)


@_movement("void")
def void(request: HttpRequest, payment_id: str, payload: VoidIn) -> dict[str, Any]:
    """Release what is authorised and not captured (or abandon a pending payment)."""
    return _move(request, payment_id, services.void_payment, reason=payload.reason)


@_movement("refund")
def refund(request: HttpRequest, payment_id: str, payload: PaymentRefundIn) -> dict[str, Any]:
    """Refund `amount` (default: all that is left) of what was captured; never more (422
    `refund_exceeds_captured`). Send an `Idempotency-Key`."""
    return _move(
        request, payment_id, services.refund_payment, amount=payload.amount, reason=payload.reason
    )


@_movement("mark-paid")
def mark_paid(request: HttpRequest, payment_id: str, payload: MarkPaidIn) -> dict[str, Any]:
    """A manual payment's money arrived (bank transfer, cash): capture `amount` (default:
    all that is left)."""
    return _move(
        request, payment_id, services.mark_paid, amount=payload.amount, reference=payload.reference
    )
