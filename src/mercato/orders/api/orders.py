"""Orders over HTTP.

Store: a customer's order history (`/me/orders`) and one order's detail (`/orders/{id}`, for
its customer or whoever holds the guest token from its emails).

Admin: the order list with filters, search and sorts; the detail with the whole timeline and
the payments; staff notes; confirming an unconfirmed order; draft orders (a phone order:
create, change, finalise, delete) and line edits of drafts and of placed orders not yet
shipped or paid.
"""

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from mercato.accounts.authentication import AdminAuth, customer_auth, optional_customer_auth
from mercato.accounts.models import User
from mercato.accounts.services import actor_for
from mercato.catalog.models import ProductVariant
from mercato.core.clientip import get_client_ip
from mercato.core.errors import InvalidInput
from mercato.core.money import money
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import problems
from mercato.orders import selectors
from mercato.orders.access import shopper_order
from mercato.orders.models import Fulfilment, Order, OrderEvent, OrderLine, Return
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

store_router = Router(tags=["store: orders"])
admin_router = Router(tags=["admin: orders"])

VIEW = AdminAuth("orders.view_order")
CHANGE = AdminAuth("orders.change_order")
ADD = AdminAuth("orders.add_order")

# --- shaping --------------------------------------------------------------------------------


def _m(order: Order, amount: Decimal) -> Any:
    return money(amount, order.currency)


def _summary(order: Order) -> dict[str, Any]:
    return {
        "id": order.public_id,
        "number": order.number,
        "status": order.status,
        "payment_status": order.payment_status,
        "total": _m(order, order.total_gross),
        "item_count": order.item_count,
        "created_at": order.created_at,
        "placed_at": order.placed_at,
    }


def _store_summary(order: Order) -> dict[str, Any]:
    return {
        **_summary(order),
        "lines": [
            {
                "product_name": line.product_name,
                "variant_name": line.variant_name,
                "sku": line.sku,
                "quantity": line.quantity,
            }
            for line in order.lines.all()
        ],
    }


def _customer(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "id": user.public_id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }


def _customer_name(order: Order) -> str:
    if order.user is not None and (order.user.first_name or order.user.last_name):
        return f"{order.user.first_name} {order.user.last_name}".strip()
    address = order.shipping_address or order.billing_address or {}
    return f"{address.get('first_name', '')} {address.get('last_name', '')}".strip()


def _admin_summary(order: Order) -> dict[str, Any]:
    return {
        **_summary(order),
        "origin": order.origin,
        "email": order.email,
        "customer": _customer(order.user),
        "customer_name": _customer_name(order),
        "total_charged": _m(order, order.total_charged),
        "amount_due": _m(order, order.amount_due),
    }


def _line(order: Order, line: OrderLine) -> dict[str, Any]:
    return {
        "id": line.public_id,
        "variant_id": line.variant.public_id if line.variant else None,
        "product_name": line.product_name,
        "variant_name": line.variant_name,
        "sku": line.sku,
        "quantity": line.quantity,
        "quantity_fulfilled": line.quantity_fulfilled,
        "quantity_returned": line.quantity_returned,
        "unit_price": _m(order, line.unit_price),
        "unit_price_discounted": _m(order, line.unit_price_discounted),
        "promotion_discount": _m(order, line.promotion_discount),
        "voucher_discount": _m(order, line.voucher_discount),
        "total_net": _m(order, line.total_net),
        "total_tax": _m(order, line.total_tax),
        "total_gross": _m(order, line.total_gross),
        "tax_rate": str(line.tax_rate),
    }


def _fulfilment(fulfilment: Fulfilment, *, staff: bool) -> dict[str, Any]:
    out = {
        "id": fulfilment.public_id,
        "number": fulfilment.number,
        "status": fulfilment.status,
        "carrier": fulfilment.carrier,
        "tracking_number": fulfilment.tracking_number,
        "tracking_url": fulfilment.tracking_url,
        "created_at": fulfilment.created_at,
        "shipped_at": fulfilment.shipped_at,
        "delivered_at": fulfilment.delivered_at,
        "lines": [
            {"line_id": fl.order_line.public_id, "sku": fl.order_line.sku, "quantity": fl.quantity}
            for fl in fulfilment.lines.all()
        ],
    }
    if staff:
        out |= {"warehouse": fulfilment.warehouse.slug, "cancelled_at": fulfilment.cancelled_at}
    return out


def _return(order: Order, order_return: Return, *, staff: bool) -> dict[str, Any]:
    out = {
        "id": order_return.public_id,
        "number": order_return.number,
        "status": order_return.status,
        "reason": order_return.reason,
        "refund_amount": _m(order, order_return.refund_amount),
        "refund_shipping": order_return.refund_shipping,
        "created_at": order_return.created_at,
        "lines": [
            {
                "line_id": rl.order_line.public_id,
                "sku": rl.order_line.sku,
                "quantity": rl.quantity,
                "reason": rl.reason,
            }
            for rl in order_return.lines.all()
        ],
    }
    if staff:
        out["staff_note"] = order_return.staff_note
    return out


def _event(event: OrderEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "type": event.type,
        "created_at": event.created_at,
        "actor": event.actor_label,
        "note": event.note,
        "data": event.data or {},
    }


def _detail(order: Order, *, staff: bool, show_payments: bool = False) -> dict[str, Any]:
    out = {
        "id": order.public_id,
        "number": order.number,
        "status": order.status,
        "payment_status": order.payment_status,
        "email": order.email,
        "currency": order.currency,
        "created_at": order.created_at,
        "placed_at": order.placed_at,
        "cancelled_at": order.cancelled_at,
        "lines": [_line(order, line) for line in order.lines.all()],
        "shipping_address": order.shipping_address or {},
        "billing_address": order.billing_address or {},
        "shipping": {
            "method_id": order.shipping_method_id,
            "method_name": order.shipping_method_name,
            "net": _m(order, order.shipping_net),
            "tax": _m(order, order.shipping_tax),
            "gross": _m(order, order.shipping_gross),
            "tax_rate": str(order.shipping_tax_rate),
        },
        "totals": {
            "subtotal": _m(order, order.subtotal),
            "discount": _m(order, order.voucher_discount),
            "shipping": _m(order, order.shipping_price),
            "tax": _m(order, order.tax_total),
            "total": _m(order, order.total_gross),
            "prices_include_tax": order.prices_include_tax,
            "reverse_charge": order.reverse_charge,
            "tax_note": order.tax_note,
            "subtotal_net": _m(order, order.subtotal_net),
            "subtotal_gross": _m(order, order.subtotal_gross),
            "net": _m(order, order.total_net),
            "gross": _m(order, order.total_gross),
        },
        "prices_include_tax": order.prices_include_tax,
        "voucher_code": order.voucher_code,
        "vat_number": order.vat_number,
        "reverse_charge": order.reverse_charge,
        "tax_note": order.tax_note,
        "customer_note": order.customer_note,
        "total_charged": _m(order, order.total_charged),
        "total_refunded": _m(order, order.total_refunded),
        "amount_due": _m(order, order.amount_due),
        "fulfilments": [_fulfilment(f, staff=staff) for f in order.fulfilments.all()],
        "returns": [_return(order, r, staff=staff) for r in order.returns.all()],
    }
    if not staff:
        out["timeline"] = [
            {
                "type": event.type,
                "created_at": event.created_at,
                "data": selectors.customer_event_data(event),
            }
            for event in order.events.all()
        ]
        return out
    # the payments (providers, references, amounts) need the payments view permission
    payments = selectors.list_order_payments(order) if show_payments else None
    out |= {
        "origin": order.origin,
        "customer": _customer(order.user),
        "total_authorized": _m(order, order.total_authorized),
        "payments": None
        if payments is None
        else [
            {
                "id": p.public_id,
                "provider": p.provider,
                "status": p.status,
                "amount": money(p.amount, p.currency),
                "captured": money(p.captured_amount, p.currency),
                "refunded": money(p.refunded_amount, p.currency),
                "created_at": p.created_at,
            }
            for p in payments
        ],
        "timeline": [_event(event) for event in order.events.all()],
    }
    return out


def _actor(request: HttpRequest):
    return actor_for(request.auth, ip=get_client_ip(request))


def _admin_detail(request: HttpRequest, order: Order) -> dict[str, Any]:
    return _detail(
        selectors.get_order(order_id=order.public_id),
        staff=True,
        show_payments=request.principal.has_perms("payments.view_payment"),
    )


def _order(order_id: str) -> Order:
    return selectors.get_order(order_id=order_id, detail=False)


def _variant(variant_id: UUID, field: str) -> ProductVariant:
    variant = ProductVariant.objects.select_related("product").filter(public_id=variant_id).first()
    if variant is None:
        raise drafts.VariantNotPurchasable("No such variant.", field=field)
    return variant


def _user(customer_id: UUID | None) -> User | None:
    if customer_id is None:
        return None
    user = User.objects.filter(public_id=customer_id, is_staff=False).first()
    if user is None or not user.is_active:
        raise InvalidInput(
            "No such customer account.", code="customer_not_found", field="customer_id"
        )
    return user


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
    orders = selectors.list_customer_orders(user=request.auth.user)
    return paginate(orders, params=params, transform=_store_summary)


@store_router.get(
    "/orders/{order_id}",
    response={200: StoreOrderOut, **problems(401, 404)},
    auth=optional_customer_auth,
)
def store_order(request: HttpRequest, order_id: str):
    """One of your orders: lines, totals, addresses, parcels with tracking, returns, what is
    still due, and its history. A guest sends the order's token from its emails as
    `X-Order-Token` or `?token=`. Anyone else's order is 404, as an unknown one."""
    order = shopper_order(request, order_id, queryset=selectors.shopper_order_queryset())
    return _detail(order, staff=False)


# --- admin: orders --------------------------------------------------------------------------


@admin_router.get("/orders", response={200: AdminOrderPage, **problems(401, 403, 422)}, auth=VIEW)
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
        transform=_admin_summary,
    )


@admin_router.post(
    "/orders/drafts",
    response={201: AdminOrderOut, **problems(401, 403, 404, 409, 422)},
    auth=ADD,
)
def create_draft(request: HttpRequest, payload: DraftIn):
    """A draft order for a customer (a phone order), priced now. Lines, addresses and the
    shipping method may also come later; finalising needs them."""
    order = drafts.create_draft_order(
        actor=_actor(request),
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


@admin_router.patch(
    "/orders/drafts/{order_id}",
    response={200: AdminOrderOut, **problems(401, 403, 404, 409, 422)},
    auth=CHANGE,
)
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
        order=_draft(order_id), actor=_actor(request), changes=changes
    )
    return _admin_detail(request, order)


@admin_router.post(
    "/orders/drafts/{order_id}/finalise",
    response={200: AdminOrderOut, **problems(401, 403, 404, 409, 422)},
    auth=CHANGE,
)
def finalise_draft(request: HttpRequest, order_id: str):
    """Place the draft: checked and priced again, stock allocated (409 `insufficient_stock`
    changes nothing), the confirmation email sent."""
    order = drafts.finalise_draft(order=_draft(order_id), actor=_actor(request))
    return _admin_detail(request, order)


@admin_router.delete(
    "/orders/drafts/{order_id}",
    response={204: None, **problems(401, 403, 404, 409)},
    auth=CHANGE,
)
def delete_draft(request: HttpRequest, order_id: str):
    drafts.delete_draft(order=_draft(order_id), actor=_actor(request))
    return Status(204, None)


@admin_router.get(
    "/orders/{order_id}", response={200: AdminOrderOut, **problems(401, 403, 404)}, auth=VIEW
)
def admin_order(request: HttpRequest, order_id: str):
    """Everything about an order (drafts too): lines, totals, addresses, parcels, returns,
    payments and the whole timeline with staff notes."""
    return _detail(
        selectors.get_order(order_id=order_id),
        staff=True,
        show_payments=request.principal.has_perms("payments.view_payment"),
    )


@admin_router.get(
    "/orders/{order_id}/events",
    response={200: EventPage, **problems(401, 403, 404, 422)},
    auth=VIEW,
)
def order_events(request: HttpRequest, order_id: str, params: Query[PageParams]):
    """The order's timeline, oldest first: who did what, when, with notes."""
    events = selectors.list_order_events(order=_order(order_id))
    return paginate(events, params=params, ordering=("created_at", "id"), transform=_event)


@admin_router.post(
    "/orders/{order_id}/notes",
    response={201: EventOut, **problems(401, 403, 404, 422)},
    auth=CHANGE,
)
def add_order_note(request: HttpRequest, order_id: str, payload: OrderNoteIn):
    """A staff note on the timeline (never shown to the customer)."""
    event = add_note(order=_order(order_id), note=payload.note, actor=_actor(request))
    return Status(201, _event(event))


@admin_router.post(
    "/orders/{order_id}/confirm",
    response={200: AdminOrderOut, **problems(401, 403, 404, 409, 422)},
    auth=CHANGE,
)
def confirm(request: HttpRequest, order_id: str, payload: OrderConfirmIn | None = None):
    """Accept an unconfirmed order (when ORDERS_AUTO_CONFIRM is off): it can be fulfilled.
    Any other status: 409 `illegal_status_transition`."""
    note = payload.note if payload else ""
    order = confirm_order(order=_order(order_id), actor=_actor(request), note=note)
    return _admin_detail(request, order)


# --- admin: line edits (drafts, and placed orders not shipped or paid) ----------------------


@admin_router.post(
    "/orders/{order_id}/lines",
    response={200: AdminOrderOut, **problems(401, 403, 404, 409, 422)},
    auth=CHANGE,
)
def add_line(request: HttpRequest, order_id: str, payload: DraftLineIn):
    """Add a published variant (to its line if the order has one). A placed order must be
    unconfirmed or unfulfilled with no money taken (409 `order_paid_edit_refused`)."""
    order = drafts.add_order_line(
        order=_order(order_id),
        actor=_actor(request),
        variant=_variant(payload.variant_id, "variant_id"),
        quantity=payload.quantity,
    )
    return _admin_detail(request, order)


@admin_router.patch(
    "/orders/{order_id}/lines/{line_id}",
    response={200: AdminOrderOut, **problems(401, 403, 404, 409, 422)},
    auth=CHANGE,
)
def change_line(request: HttpRequest, order_id: str, line_id: str, payload: LineQuantityIn):
    order = _order(order_id)
    line = selectors.get_order_line(order=order, line_id=line_id)
    order = drafts.change_order_line(
        order=order, actor=_actor(request), line=line, quantity=payload.quantity
    )
    return _admin_detail(request, order)


@admin_router.delete(
    "/orders/{order_id}/lines/{line_id}",
    response={200: AdminOrderOut, **problems(401, 403, 404, 409, 422)},
    auth=CHANGE,
)
def remove_line(request: HttpRequest, order_id: str, line_id: str):
    order = _order(order_id)
    line = selectors.get_order_line(order=order, line_id=line_id)
    order = drafts.remove_order_line(order=order, actor=_actor(request), line=line)
    return _admin_detail(request, order)
