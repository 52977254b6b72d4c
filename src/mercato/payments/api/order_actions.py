"""The order actions that move money, served on the orders API's paths with its tag and
operation ids: cancel an order (stock released, payments voided or refunded) and refund a
received return. They live here because their flows do (`services.order_flows`): orders never
calls payments."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Router

from mercato.accounts.operations import admin_operation
from mercato.orders.api.fulfilments import (
    CancelledOrderOut,
    FulfilmentNoteIn,
    admin_order,
    staff_actor,
)
from mercato.orders.api.returns import AdminReturnOut, ReturnRefundIn, admin_return, reload_return
from mercato.payments import services

admin_router = Router(tags=["admin: orders"])


def _money_move(
    path: str, *, out: Any, module: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An order action that moves money, for staff who may change orders and payments; its
    operation id is the one of the orders API `module` it was served from."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        return admin_operation(
            admin_router,
            "post",
            path,
            out=out,
            errors=(404, 409, 422),
            permission=("orders.change_order", "payments.change_payment"),
            operation_id=f"mercato_orders_api_{module}_{handler.__name__}",
        )(handler)

    return register


@_money_move("/orders/{order_id}/cancel", out=CancelledOrderOut, module="fulfilments")
def cancel_order(
    request: HttpRequest, order_id: str, payload: FulfilmentNoteIn | None = None
) -> dict[str, Any]:
    """Cancel an order with nothing fulfilled: its stock is released, its payments voided or
    refunded. 409 `order_not_cancellable` when it is cancelled already or has a parcel (cancel
    the fulfilments first)."""
    order = services.cancel_order(
        order=admin_order(order_id),
        actor=staff_actor(request),
        note=payload.note if payload is not None else "",
    )
    return {
        "id": order.public_id,
        "number": order.number,
        "status": order.status,
        "payment_status": order.payment_status,
        "cancelled_at": order.cancelled_at,
    }


@_money_move("/returns/{return_id}/refund", out=AdminReturnOut, module="returns")
def refund_return(
    request: HttpRequest, return_id: str, payload: ReturnRefundIn | None = None
) -> dict[str, Any]:
    """Refund a received return from the line prices paid (and the shipping, if asked, once
    per order). 422 `refund_exceeds_captured` when the payments hold less."""
    order_return = services.refund_return(
        order_return=admin_return(return_id),
        refund_shipping=payload.refund_shipping if payload is not None else False,
        actor=staff_actor(request),
    )
    return reload_return(order_return)
