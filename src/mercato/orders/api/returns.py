"""Returns. Store: a shopper asks to return delivered items of their order and follows the
request. Admin: staff list returns (by status), approve or reject, receive the goods
(restocking per line); the refund moves money: it is `payments.api.order_actions` (same
path and tag). Returns are addressed by their public ids (UUID)."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Schema
from ninja.responses import Status
from pydantic import Field, StrictBool, StrictInt

from mercato.accounts.authentication import optional_customer_auth
from mercato.core.errors import InvalidInput
from mercato.core.money import Money, money
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import InputSchema, one_of, problems
from mercato.orders import selectors
from mercato.orders.access import shopper_order
from mercato.orders.api.common import (
    CHANGE,
    CHANGE_ERRORS,
    VIEW,
    admin_operation,
    admin_order,
    shopper_actor,
    staff_actor,
    store_router,
    warehouse_by_key,
)
from mercato.orders.models import Order, Return
from mercato.orders.services import returns as services
from mercato.orders.services.fulfilment import MAX_LINES, MAX_QUANTITY

RETURN = "/returns/{return_id}"


def admin_return(return_id: str) -> Return:
    return selectors.get_return(return_id=return_id)


# --- schemas --------------------------------------------------------------------------------


class ReturnLineOut(Schema):
    line_id: UUID
    sku: str
    product_name: str
    variant_name: str
    quantity: int
    reason: str
    restock: bool | None = Field(description="Whether it went back on hand (once received).")


class ReturnOut(Schema):
    id: UUID
    number: int
    order_id: UUID
    order_number: int
    status: str
    reason: str
    refund_shipping: bool
    refund_amount: Money | None = Field(description="What was refunded (null until then).")
    created_at: datetime
    decided_at: datetime | None
    received_at: datetime | None
    refunded_at: datetime | None
    lines: Sequence[ReturnLineOut]  # narrowed by AdminReturnOut


class AdminReturnLineOut(ReturnLineOut):
    warehouse: str | None = Field(description="Where it was restocked (slug).")


class AdminReturnOut(ReturnOut):
    email: str
    staff_note: str
    lines: list[AdminReturnLineOut]


class ReturnPage(Schema):
    items: list[AdminReturnOut]
    next: str | None


def return_out(order_return: Return) -> dict:
    order: Order = order_return.order
    refunded = order_return.status == Return.Status.REFUNDED
    return {
        "id": order_return.public_id,
        "number": order_return.number,
        "order_id": order.public_id,
        "order_number": order.number,
        "email": order.email,
        "status": order_return.status,
        "reason": order_return.reason,
        "staff_note": order_return.staff_note,
        "refund_shipping": order_return.refund_shipping,
        "refund_amount": money(order_return.refund_amount, order.currency) if refunded else None,
        "created_at": order_return.created_at,
        "decided_at": order_return.decided_at,
        "received_at": order_return.received_at,
        "refunded_at": order_return.refunded_at,
        "lines": [
            {
                "line_id": item.order_line.public_id,
                "sku": item.order_line.sku,
                "product_name": item.order_line.product_name,
                "variant_name": item.order_line.variant_name,
                "quantity": item.quantity,
                "reason": item.reason,
                "restock": item.restock,
                "warehouse": item.warehouse.slug if item.warehouse else None,
            }
            for item in order_return.lines.all()
        ],
    }


def reload_return(order_return: Return) -> dict:
    return return_out(selectors.get_return_detail(order_return=order_return))


class ReturnLineIn(InputSchema):
    line_id: UUID
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY)
    reason: str = Field("", max_length=services.MAX_LINE_REASON)


class ReturnIn(InputSchema):
    reason: str = Field("", max_length=5000)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=MAX_LINES)


class ReturnNoteIn(InputSchema):
    note: str = Field("", max_length=5000)


class RestockLineIn(InputSchema):
    line_id: UUID
    restock: StrictBool


class ReceiveIn(InputSchema):
    warehouse: str | None = Field(
        None, min_length=1, max_length=100, description="Where restocked goods go (slug or id)."
    )
    lines: list[RestockLineIn] = Field(
        default_factory=list,
        max_length=MAX_LINES,
        description="Per returned line, whether it goes back on hand (a line left out: no).",
    )


class ReturnRefundIn(InputSchema):
    refund_shipping: StrictBool = Field(
        False, description="Add the order's shipping (once per order)."
    )


if TYPE_CHECKING:  # the values are only known at run time: mypy sees text
    ReturnStatus = str
else:
    ReturnStatus = one_of(Return.Status)


class ReturnFilters(PageParams):
    status: ReturnStatus | None = None
    order: UUID | None = Field(None, description="Only returns of this order.")


def _decided(
    request: HttpRequest,
    decide: Callable[..., Return],
    return_id: str,
    payload: ReturnNoteIn | None,
) -> dict:
    """Approve or reject (`decide`) a return with the staff's note."""
    order_return = decide(
        order_return=admin_return(return_id),
        actor=staff_actor(request),
        note=payload.note if payload is not None else "",
    )
    return reload_return(order_return)


# --- store ----------------------------------------------------------------------------------


@store_router.post(
    "/orders/{order_id}/returns",
    response={201: ReturnOut, **problems(401, 404, 409, 422)},
    auth=optional_customer_auth,
)
def store_request_return(request: HttpRequest, order_id: str, payload: ReturnIn):
    """Ask to send back delivered items of one of your orders, with a reason. 422
    `return_exceeds_delivered` for units not delivered yet or already being returned."""
    order = shopper_order(request, order_id)
    lines = selectors.list_order_lines_by_id(
        order=order, line_ids=[item.line_id for item in payload.lines]
    )
    order_return = services.request_return(
        order=order,
        lines=[
            services.ReturnItem(line, item.quantity, item.reason)
            for line, item in zip(lines, payload.lines, strict=True)
        ],
        reason=payload.reason,
        actor=shopper_actor(request),
    )
    return Status(201, reload_return(order_return))


@store_router.get(
    "/orders/{order_id}/returns",
    response={200: list[ReturnOut], **problems(401, 404)},
    auth=optional_customer_auth,
)
def store_returns(request: HttpRequest, order_id: str):
    """The returns of one of your orders and where they stand."""
    order = shopper_order(request, order_id)
    return [return_out(r) for r in selectors.list_order_returns(order=order)]


# --- admin ----------------------------------------------------------------------------------


@admin_operation("get", "/returns", out=ReturnPage, errors=(422,), permission=VIEW)
def list_returns(request: HttpRequest, filters: Query[ReturnFilters]):
    """Every return, newest first; filter by `status` (e.g. `requested`: waiting for a
    decision) or `order`."""
    returns = selectors.list_returns(status=filters.status, order_id=filters.order)
    return paginate(returns, params=filters, transform=return_out)


@admin_operation(
    "get", "/orders/{order_id}/returns", out=list[AdminReturnOut], errors=(404,), permission=VIEW
)
def list_order_returns(request: HttpRequest, order_id: str):
    """The returns of one order."""
    order = admin_order(order_id)
    return [return_out(r) for r in selectors.list_order_returns(order=order)]


@admin_operation("get", RETURN, out=AdminReturnOut, errors=(404,), permission=VIEW)
def get_return(request: HttpRequest, return_id: str):
    return reload_return(admin_return(return_id))


@admin_operation(
    "post", f"{RETURN}/approve", out=AdminReturnOut, errors=CHANGE_ERRORS, permission=CHANGE
)
def approve_return(request: HttpRequest, return_id: str, payload: ReturnNoteIn | None = None):
    """Accept a requested return: the customer may send the goods."""
    return _decided(request, services.approve_return, return_id, payload)


@admin_operation(
    "post", f"{RETURN}/reject", out=AdminReturnOut, errors=CHANGE_ERRORS, permission=CHANGE
)
def reject_return(request: HttpRequest, return_id: str, payload: ReturnNoteIn | None = None):
    """Refuse a return not yet received, with a note."""
    return _decided(request, services.reject_return, return_id, payload)


@admin_operation(
    "post", f"{RETURN}/receive", out=AdminReturnOut, errors=CHANGE_ERRORS, permission=CHANGE
)
def receive_return(request: HttpRequest, return_id: str, payload: ReceiveIn):
    """The goods of an approved return arrived: per line, back on hand in `warehouse` or not
    (damaged). 422 `warehouse_required` when restocking without a warehouse."""
    order_return = admin_return(return_id)
    restock: dict[UUID, bool] = {}
    for i, item in enumerate(payload.lines):
        key = item.line_id
        if key in restock:
            raise InvalidInput(
                "Each line may appear once.", code="duplicate_line", field=f"lines.{i}.line_id"
            )
        restock[key] = item.restock
    warehouse = warehouse_by_key(payload.warehouse) if payload.warehouse else None
    order_return = services.receive_return(
        order_return=order_return, restock=restock, warehouse=warehouse, actor=staff_actor(request)
    )
    return reload_return(order_return)
