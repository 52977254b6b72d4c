"""Orders over HTTP.

Store: a customer's order history (`/me/orders`) and one order's detail (`/orders/{id}`, for
its customer or whoever holds the guest token from its emails).

Admin: the order list with filters, search and sorts; the detail with the whole timeline and
the payments; staff notes; confirming an unconfirmed order; draft orders (a phone order:
create, change, finalise, delete) and line edits of drafts and of placed orders not yet
shipped or paid.
"""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query
from ninja.responses import Status

from mercato.accounts.authentication import (
    customer_auth,
    optional_customer_auth,
    principal_of,
    signed_in_user,
)
from mercato.accounts.models import User
from mercato.catalog.models import ProductVariant
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import problems
from mercato.orders import selectors
from mercato.orders.access import shopper_order
from mercato.orders.api.common import (
    ADD,
    CHANGE,
    CHANGE_ERRORS,
    VIEW,
    admin_operation,
    staff_actor,
    store_router,
)
from mercato.orders.models import Order
from mercato.orders.schemas import (
    AdminOrderFilters,
    AdminOrderOut,
    AdminOrderPage,
    DraftIn,
    DraftLineIn,
    DraftPatch,
    EventOut,
    EventPage,
    LineQuantityIn,
    OrderConfirmIn,
    OrderNoteIn,
    StoreOrderOut,
    StoreOrderPage,
)
from mercato.orders.services import drafts
from mercato.orders.services.placement import confirm_order
from mercato.orders.services.status import add_note

DRAFT = "/orders/drafts/{order_id}"
LINE = "/orders/{order_id}/lines/{line_id}"


# --- shaping: the output schemas read the models (orders/schemas.py) ---------------------


def _admin_detail(request: HttpRequest, order: Order) -> AdminOrderOut:
    """The order read again with everything the detail shows; its payments (providers,
    references, amounts) only with the payments view permission."""
    return AdminOrderOut.of(
        selectors.get_order(order_id=order.public_id),
        show_payments=principal_of(request).has_perms("payments.view_payment"),
    )


def _order(order_id: str) -> Order:
    return selectors.get_order(order_id=order_id, detail=False)


def _variant(variant_id: UUID, field: str) -> ProductVariant:
    variant = selectors.get_variant(variant_id=variant_id)
    if variant is None:
        raise drafts.VariantNotPurchasable("No such variant.", field=field)
    return variant


def _user(customer_id: UUID | None) -> User | None:
    if customer_id is None:
        return None
    return selectors.get_customer_account(customer_id=customer_id)


def _address(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {k: v for k, v in value.model_dump().items() if v != ""}


# --- store ----------------------------------------------------------------------------------


@store_router.get(
    "/me/orders",
    response={200: StoreOrderPage, **problems(401, 422)},
    auth=customer_auth,
)
def my_orders(request: HttpRequest, params: Query[PageParams]):
    """Your orders, newest first, with their lines in short."""
    orders = selectors.list_customer_orders(user=signed_in_user(request))
    return paginate(orders, params=params)


@store_router.get(
    "/orders/{order_id}",
    response={200: StoreOrderOut, **problems(401, 404)},
    auth=optional_customer_auth,
)
def store_order(request: HttpRequest, order_id: str):
    """One of your orders: lines, totals, addresses, parcels with tracking, returns, what is
    still due, and its history. A guest sends the order's token from its emails as
    `X-Order-Token` or `?token=`. Anyone else's order is 404, as an unknown one."""
    return shopper_order(request, order_id, queryset=selectors.shopper_order_queryset())


# --- admin: orders --------------------------------------------------------------------------


@admin_operation("get", "/orders", out=AdminOrderPage, errors=(422,), permission=VIEW)
def list_orders(request: HttpRequest, filters: Query[AdminOrderFilters]):
    """Orders, newest first by default. Drafts only with `status=draft`. `search` finds a
    number, an email, a customer's name or a SKU."""
    orders = selectors.list_orders(
        selectors.OrderFilters(
            status=filters.status or "",
            payment_status=filters.payment_status or "",
            origin=filters.origin or "",
            email=filters.email.strip(),
            customer_id=filters.customer_id,
            created_from=filters.created_from,
            created_to=filters.created_to,
            number=filters.number,
            search=filters.search.strip(),
        )
    )
    return paginate(
        orders,
        params=filters,
        ordering=selectors.ORDER_SORTS[filters.sort],
    )


@admin_operation(
    "post", "/orders/drafts", out=AdminOrderOut, errors=CHANGE_ERRORS, permission=ADD, status=201
)
def create_draft(request: HttpRequest, payload: DraftIn):
    """A draft order for a customer (a phone order), priced now. Lines, addresses and the
    shipping method may also come later; finalising needs them."""
    order = drafts.create_draft_order(
        actor=staff_actor(request),
        user=_user(payload.customer_id),
        email=payload.email,
        lines=_lines(payload.lines),
        shipping_address=_address(payload.shipping_address),
        billing_address=_address(payload.billing_address),
        shipping_method_id=str(payload.shipping_method_id or ""),
        voucher_code=payload.voucher_code,
        note=payload.note,
    )
    return Status(201, _admin_detail(request, order))


def _lines(lines: list[DraftLineIn]) -> list[tuple[ProductVariant, int]]:
    return [
        (_variant(line.variant_id, f"lines.{i}.variant_id"), line.quantity)
        for i, line in enumerate(lines)
    ]


def _draft(order_id: str) -> Order:
    order = _order(order_id)
    if order.status != Order.Status.DRAFT:
        raise drafts.NotADraft(f"Order #{order.number} is not a draft.")
    return order


@admin_operation("patch", DRAFT, out=AdminOrderOut, errors=CHANGE_ERRORS, permission=CHANGE)
def update_draft(request: HttpRequest, order_id: str, payload: DraftPatch):
    """Change a draft's customer, email, addresses, shipping method, voucher or note (null
    clears). The draft is priced again."""
    data = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    if "customer_id" in data:
        changes["user"] = _user(payload.customer_id)
    for name in ("email", "voucher_code", "note"):
        if name in data:
            changes[name] = data[name] or ""
    for name in ("shipping_address", "billing_address"):
        if name in data:
            changes[name] = _address(getattr(payload, name))
    if "shipping_method_id" in data:
        changes["shipping_method_id"] = str(payload.shipping_method_id or "")
    order = drafts.update_draft_order(
        order=_draft(order_id), actor=staff_actor(request), changes=changes
    )
    return _admin_detail(request, order)


@admin_operation(
    "post", f"{DRAFT}/finalise", out=AdminOrderOut, errors=CHANGE_ERRORS, permission=CHANGE
)
def finalise_draft(request: HttpRequest, order_id: str):
    """Place the draft: checked and priced again, stock allocated (409 `insufficient_stock`
    changes nothing), the confirmation email sent."""
    order = drafts.finalise_draft(order=_draft(order_id), actor=staff_actor(request))
    return _admin_detail(request, order)


@admin_operation("delete", DRAFT, out=None, errors=(404, 409), permission=CHANGE, status=204)
def delete_draft(request: HttpRequest, order_id: str):
    drafts.delete_draft(order=_draft(order_id), actor=staff_actor(request))
    return Status(204, None)


@admin_operation("get", "/orders/{order_id}", out=AdminOrderOut, errors=(404,), permission=VIEW)
def admin_order(request: HttpRequest, order_id: str):
    """Everything about an order (drafts too): lines, totals, addresses, parcels, returns,
    payments and the whole timeline with staff notes."""
    return AdminOrderOut.of(
        selectors.get_order(order_id=order_id),
        show_payments=principal_of(request).has_perms("payments.view_payment"),
    )


@admin_operation(
    "get", "/orders/{order_id}/events", out=EventPage, errors=(404, 422), permission=VIEW
)
def order_events(request: HttpRequest, order_id: str, params: Query[PageParams]):
    """The order's timeline, oldest first: who did what, when, with notes."""
    events = selectors.list_order_events(order=_order(order_id))
    return paginate(events, params=params, ordering=("created_at", "id"))


@admin_operation(
    "post",
    "/orders/{order_id}/notes",
    out=EventOut,
    errors=(404, 422),
    permission=CHANGE,
    status=201,
)
def add_order_note(request: HttpRequest, order_id: str, payload: OrderNoteIn):
    """A staff note on the timeline (never shown to the customer)."""
    event = add_note(order=_order(order_id), note=payload.note, actor=staff_actor(request))
    return Status(201, event)


@admin_operation(
    "post", "/orders/{order_id}/confirm", out=AdminOrderOut, errors=CHANGE_ERRORS, permission=CHANGE
)
def confirm(request: HttpRequest, order_id: str, payload: OrderConfirmIn | None = None):
    """Accept an unconfirmed order (when ORDERS_AUTO_CONFIRM is off): it can be fulfilled.
    Any other status: 409 `illegal_status_transition`."""
    note = payload.note if payload else ""
    order = confirm_order(order=_order(order_id), actor=staff_actor(request), note=note)
    return _admin_detail(request, order)


# --- admin: line edits (drafts, and placed orders not shipped or paid) ----------------------


@admin_operation(
    "post", "/orders/{order_id}/lines", out=AdminOrderOut, errors=CHANGE_ERRORS, permission=CHANGE
)
def add_line(request: HttpRequest, order_id: str, payload: DraftLineIn):
    """Add a published variant (to its line if the order has one). A placed order must be
    unconfirmed or unfulfilled with no money taken (409 `order_paid_edit_refused`)."""
    order = drafts.add_order_line(
        order=_order(order_id),
        actor=staff_actor(request),
        variant=_variant(payload.variant_id, "variant_id"),
        quantity=payload.quantity,
    )
    return _admin_detail(request, order)


@admin_operation("patch", LINE, out=AdminOrderOut, errors=CHANGE_ERRORS, permission=CHANGE)
def change_line(request: HttpRequest, order_id: str, line_id: str, payload: LineQuantityIn):
    order = _order(order_id)
    line = selectors.get_order_line(order=order, line_id=line_id)
    order = drafts.change_order_line(
        order=order, actor=staff_actor(request), line=line, quantity=payload.quantity
    )
    return _admin_detail(request, order)


@admin_operation("delete", LINE, out=AdminOrderOut, errors=CHANGE_ERRORS, permission=CHANGE)
def remove_line(request: HttpRequest, order_id: str, line_id: str):
    order = _order(order_id)
    line = selectors.get_order_line(order=order, line_id=line_id)
    order = drafts.remove_order_line(order=order, actor=staff_actor(request), line=line)
    return _admin_detail(request, order)
