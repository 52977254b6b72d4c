"""The store's payments: a shopper pays their order, follows its payments and confirms 3-D
Secure."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from mercato.accounts.authentication import optional_customer_auth
from mercato.core.pagination import PageParams
from mercato.orders.access import OrderNotFound, shopper_order
from mercato.payments import selectors, services
from mercato.payments.api.common import (
    PAY_ERRORS,
    STORE_ERRORS,
    declined,
    idempotency_key,
    order_payments_page,
    shopper,
)
from mercato.payments.errors import PaymentNotFound
from mercato.payments.models import Payment
from mercato.payments.schemas import (
    PaymentConfirmIn,
    PaymentIn,
    PaymentOut,
    PaymentPage,
    payment_out,
)

store_router = Router(tags=["store: payments"])


@store_router.post(
    "/orders/{order_id}/payments",
    response={201: PaymentOut, **PAY_ERRORS},
    auth=optional_customer_auth,
    operation_id="mercato_payments_api_pay_order",
)
def pay_order(request: HttpRequest, order_id: str, payload: PaymentIn) -> Status[dict[str, Any]]:
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
        actor=shopper(request),
        idempotency_key=idempotency_key(request),
    )
    if payment.status == Payment.Status.FAILED:
        raise declined(payment)
    return Status(201, payment_out(payment, order.public_id))


@store_router.get(
    "/orders/{order_id}/payments",
    response={200: PaymentPage, **STORE_ERRORS},
    auth=optional_customer_auth,
    operation_id="mercato_payments_api_order_payments",
)
def order_payments(request: HttpRequest, order_id: str, page: Query[PageParams]) -> dict[str, Any]:
    """The order's payments, newest first."""
    return order_payments_page(shopper_order(request, order_id), page)


@store_router.post(
    "/payments/{payment_id}/confirm",
    response={200: PaymentOut, **STORE_ERRORS},
    auth=optional_customer_auth,
    operation_id="mercato_payments_api_confirm_payment",
)
def confirm_payment(
    request: HttpRequest, payment_id: str, payload: PaymentConfirmIn
) -> dict[str, Any]:
    """Finish 3-D Secure with its (simulated) result. Same access as the order."""
    payment = selectors.get_payment(payment_id=payment_id)
    try:
        shopper_order(request, payment.order.public_id)
    except OrderNotFound:
        raise PaymentNotFound() from None
    payment = services.confirm_payment(payment=payment, data=payload.dict(), actor=shopper(request))
    if payment.status == Payment.Status.FAILED:
        raise declined(payment)
    return payment_out(payment, payment.order.public_id)
