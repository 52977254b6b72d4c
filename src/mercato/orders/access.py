"""Who may open an order from the store API: its customer (access token), or anyone holding
the order's guest token (the link in its emails), sent as the `X-Order-Token` header or the
`token` query parameter. Everyone else gets 404, the same answer as for an unknown order."""

import secrets
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest

from mercato.orders.errors import OrderNotFound
from mercato.orders.models import Order

ORDER_TOKEN_HEADER = "X-Order-Token"


def shopper_order(
    request: HttpRequest, order_id: UUID | str, queryset: QuerySet[Order] | None = None
) -> Order:
    """The order `order_id` if the caller may see it, else OrderNotFound. Drafts are never
    shown to shoppers. Call from endpoints declared with `optional_customer_auth`."""
    try:
        public_id = UUID(str(order_id))
    except ValueError:
        raise OrderNotFound() from None
    orders = (queryset if queryset is not None else Order.objects.all()).exclude(
        status=Order.Status.DRAFT
    )
    order = orders.filter(public_id=public_id).first()
    if order is None:
        raise OrderNotFound()
    principal = getattr(request, "principal", None)
    if principal is not None and order.user_id is not None and order.user_id == principal.user.pk:
        return order
    token = request.headers.get(ORDER_TOKEN_HEADER) or request.GET.get("token") or ""
    if token and secrets.compare_digest(token.encode(), order.guest_token.encode()):
        return order
    raise OrderNotFound()
