"""Fulfilments (parcels with tracking).

Store: a shopper lists the parcels of their order, with tracking. Admin: staff pack a parcel
from a warehouse, change its tracking, mark it shipped or delivered, cancel it (stock back).
Cancelling a whole order moves money: it is `payments.api.order_actions` (same path and tag).
Orders and parcels are addressed by their public ids (UUID)."""

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Schema
from ninja.responses import Status
from pydantic import Field, StrictBool, StrictInt

from mercato.accounts.authentication import optional_customer_auth
from mercato.core.schemas import InputSchema, PatchSchema, problems, unset
from mercato.orders import selectors
from mercato.orders.access import shopper_order
from mercato.orders.api.common import (
    CHANGE,
    CHANGE_ERRORS,
    VIEW,
    admin_operation,
    admin_order,
    staff_actor,
    store_router,
    warehouse_by_key,
)
from mercato.orders.models import Fulfilment, OrderLine
from mercato.orders.services import fulfilment as services

PARCEL = "/orders/{order_id}/fulfilments/{fulfilment_id}"


# --- schemas --------------------------------------------------------------------------------


class FulfilmentLineOut(Schema):
    line_id: UUID
    sku: str
    product_name: str
    variant_name: str
    quantity: int


class FulfilmentOut(Schema):
    id: UUID
    number: int
    status: str
    warehouse: str = Field(description="The warehouse's slug.")
    carrier: str
    tracking_number: str
    tracking_url: str
    created_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    lines: list[FulfilmentLineOut]


def fulfilment_out(fulfilment: Fulfilment) -> dict:
    """A parcel; one FulfilmentLine per order line (lines split over stock rows are summed)."""
    lines: dict[int, dict] = {}
    for item in fulfilment.lines.all():
        line: OrderLine = item.order_line
        entry = lines.setdefault(
            line.pk,
            {
                "line_id": line.public_id,
                "sku": line.sku,
                "product_name": line.product_name,
                "variant_name": line.variant_name,
                "quantity": 0,
            },
        )
        entry["quantity"] += item.quantity
    return {
        "id": fulfilment.public_id,
        "number": fulfilment.number,
        "status": fulfilment.status,
        "warehouse": fulfilment.warehouse.slug,
        "carrier": fulfilment.carrier,
        "tracking_number": fulfilment.tracking_number,
        "tracking_url": fulfilment.tracking_url,
        "created_at": fulfilment.created_at,
        "shipped_at": fulfilment.shipped_at,
        "delivered_at": fulfilment.delivered_at,
        "cancelled_at": fulfilment.cancelled_at,
        "lines": list(lines.values()),
    }


def _reload(fulfilment: Fulfilment) -> dict:
    return fulfilment_out(selectors.get_fulfilment_detail(fulfilment=fulfilment))


class FulfilLineIn(InputSchema):
    line_id: UUID
    quantity: StrictInt = Field(ge=1, le=services.MAX_QUANTITY)


class FulfilmentIn(InputSchema):
    warehouse: str = Field(min_length=1, max_length=100, description="Warehouse slug or id.")
    lines: list[FulfilLineIn] = Field(min_length=1, max_length=services.MAX_LINES)
    carrier: str = Field("", max_length=100)
    tracking_number: str = Field("", max_length=100)
    tracking_url: str = Field("", max_length=500)
    notify: StrictBool = Field(True, description="Email the customer when the parcel ships.")


class TrackingIn(PatchSchema):
    carrier: str = unset(max_length=100)
    tracking_number: str = unset(max_length=100)
    tracking_url: str = unset(max_length=500)


class ShipIn(InputSchema):
    notify: StrictBool = Field(True, description="Email the customer (with the tracking).")


class FulfilmentNoteIn(InputSchema):
    note: str = Field("", max_length=5000)


class CancelledOrderOut(Schema):
    id: UUID
    number: int
    status: str
    payment_status: str
    cancelled_at: datetime | None


# --- store ----------------------------------------------------------------------------------


@store_router.get(
    "/orders/{order_id}/fulfilments",
    response={200: list[FulfilmentOut], **problems(401, 404)},
    auth=optional_customer_auth,
)
def store_fulfilments(request: HttpRequest, order_id: str):
    """The parcels of one of your orders with their tracking (cancelled ones left out). A
    guest sends the order's token as `X-Order-Token` or `?token=`."""
    order = shopper_order(request, order_id)
    parcels = selectors.list_order_fulfilments(order=order, cancelled=False)
    return [fulfilment_out(f) for f in parcels]


# --- admin ----------------------------------------------------------------------------------


@admin_operation(
    "get", "/orders/{order_id}/fulfilments", out=list[FulfilmentOut], errors=(404,), permission=VIEW
)
def list_fulfilments(request: HttpRequest, order_id: str):
    """Every parcel of the order, cancelled ones included."""
    order = admin_order(order_id)
    return [fulfilment_out(f) for f in selectors.list_order_fulfilments(order=order)]


@admin_operation(
    "post",
    "/orders/{order_id}/fulfilments",
    out=FulfilmentOut,
    errors=CHANGE_ERRORS,
    permission=CHANGE,
    status=201,
)
def create_fulfilment(request: HttpRequest, order_id: str, payload: FulfilmentIn):
    """Pack some or all lines from a warehouse (their stock leaves it). 422
    `fulfil_exceeds_ordered` for more than a line has left, `fulfil_exceeds_allocation` for
    more than it holds in that warehouse; 409 `order_not_fulfillable` for an order that is
    unconfirmed, cancelled, a draft or closed, `order_not_paid` when the shop ships paid
    orders only (ORDERS_FULFIL_UNPAID off)."""
    order = admin_order(order_id)
    lines = selectors.list_order_lines_by_id(
        order=order, line_ids=[item.line_id for item in payload.lines]
    )
    fulfilment = services.create_fulfilment(
        order=order,
        warehouse=warehouse_by_key(payload.warehouse),
        lines=[
            services.ParcelLine(line, item.quantity)
            for line, item in zip(lines, payload.lines, strict=True)
        ],
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
        tracking_url=payload.tracking_url,
        actor=staff_actor(request),
        notify=payload.notify,
    )
    return Status(201, _reload(fulfilment))


@admin_operation("patch", PARCEL, out=FulfilmentOut, errors=CHANGE_ERRORS, permission=CHANGE)
def update_tracking(request: HttpRequest, order_id: str, fulfilment_id: str, payload: TrackingIn):
    """Change the carrier, tracking number or tracking URL (not of a cancelled parcel)."""
    fulfilment = selectors.get_fulfilment(order=admin_order(order_id), fulfilment_id=fulfilment_id)
    fulfilment = services.update_tracking(
        fulfilment=fulfilment, actor=staff_actor(request), **payload.dict(exclude_unset=True)
    )
    return _reload(fulfilment)


@admin_operation(
    "post", f"{PARCEL}/ship", out=FulfilmentOut, errors=CHANGE_ERRORS, permission=CHANGE
)
def ship_fulfilment(
    request: HttpRequest, order_id: str, fulfilment_id: str, payload: ShipIn | None = None
):
    """The parcel left (the customer gets the shipped email with its tracking). 409
    `illegal_fulfilment_transition` unless it was just created."""
    fulfilment = selectors.get_fulfilment(order=admin_order(order_id), fulfilment_id=fulfilment_id)
    notify = payload.notify if payload is not None else True
    return _reload(
        services.mark_shipped(fulfilment=fulfilment, actor=staff_actor(request), notify=notify)
    )


@admin_operation(
    "post", f"{PARCEL}/deliver", out=FulfilmentOut, errors=(404, 409), permission=CHANGE
)
def deliver_fulfilment(request: HttpRequest, order_id: str, fulfilment_id: str):
    """The parcel arrived; its units may now be returned. 409 for a cancelled or delivered
    parcel."""
    fulfilment = selectors.get_fulfilment(order=admin_order(order_id), fulfilment_id=fulfilment_id)
    return _reload(services.mark_delivered(fulfilment=fulfilment, actor=staff_actor(request)))


@admin_operation(
    "post", f"{PARCEL}/cancel", out=FulfilmentOut, errors=CHANGE_ERRORS, permission=CHANGE
)
def cancel_fulfilment(
    request: HttpRequest, order_id: str, fulfilment_id: str, payload: FulfilmentNoteIn | None = None
):
    """Undo a parcel that was not delivered: its stock goes back to the shelf it left and is
    allocated to the order again."""
    fulfilment = selectors.get_fulfilment(order=admin_order(order_id), fulfilment_id=fulfilment_id)
    note = payload.note if payload is not None else ""
    return _reload(
        services.cancel_fulfilment(fulfilment=fulfilment, actor=staff_actor(request), note=note)
    )
