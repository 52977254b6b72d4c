"""What the payments handlers share: who is acting, the Idempotency-Key header, the errors a
declined payment answers with, the documented problem statuses, and an order's payments."""

from typing import Any

from django.http import HttpRequest

from mercato.accounts.actors import shopper_actor
from mercato.accounts.services import actor_for
from mercato.audit.services import Actor
from mercato.core.clientip import get_client_ip
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import problems
from mercato.orders.models import Order
from mercato.payments import selectors
from mercato.payments.errors import ProviderDeclined
from mercato.payments.models import Payment, Transaction
from mercato.payments.schemas import payment_out, transaction_out
from mercato.payments.services.bookkeeping import require_success

STORE_ERRORS = problems(400, 401, 402, 404, 409, 422)
PAY_ERRORS = problems(400, 401, 402, 404, 409, 422, 429)
ADMIN_ERROR_CODES = (400, 402, 404, 409, 422)
"""What a staff payment operation may answer besides 401 and 403."""


shopper = shopper_actor  # the customer, or "guest"


def staff(request: HttpRequest) -> Actor:
    return actor_for(request.auth, ip=get_client_ip(request))  # type: ignore[attr-defined]


def idempotency_key(request: HttpRequest) -> str:
    return request.headers.get("Idempotency-Key", "")


def declined(payment: Payment) -> ProviderDeclined:
    return ProviderDeclined(
        payment.failure_message or "The payment was declined.",
        code=payment.failure_code or ProviderDeclined.code,
        payment_id=str(payment.public_id),
    )


def answer(txn: Transaction) -> dict[str, Any]:
    """The transaction, or 402 when the provider refused it."""
    require_success(txn)
    return transaction_out(txn)


def order_payments_page(order: Order, page: PageParams) -> dict[str, Any]:
    """A page of the order's payments, newest first (the store's and the back office's)."""
    return paginate(
        selectors.list_payments_for_order(order=order),
        params=page,
        transform=lambda p: payment_out(p, order.public_id),
    )
