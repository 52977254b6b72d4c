"""Orders staff make for a customer (a phone order), and line edits of placed orders.

A draft is an order in status `draft`: invisible to the shopper, holding no stock, priced by
the same pipeline as a checkout (current prices, running promotions, the voucher, shipping to
the address, tax) every time it changes. `finalise_draft` checks everything again, allocates
the stock and places it: `draft → unfulfilled` (or `unconfirmed` when ORDERS_AUTO_CONFIRM is
off), `placed_at` set, `order.created` recorded (the confirmation email).

A placed order may have its lines edited while it is unconfirmed or unfulfilled, nothing is
shipped and no money was taken (payment status `not_charged` or `failed`; otherwise 409
`order_paid_edit_refused`: void or refund first). The lines that stay keep the list price
they were sold at; new lines take today's price; promotions, the voucher, shipping and tax
are computed again for the whole order. Stock follows: the changed lines are deallocated and
allocated again, in the same transaction, so an edit that cannot be served (409
`insufficient_stock`) changes nothing. The timeline gets `lines_edited` with the lines and
totals before and after.
"""

import secrets
from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mercato.accounts.models import User
from mercato.audit.services import Actor, record_change, snapshot
from mercato.catalog.models import ProductVariant
from mercato.core.errors import Conflict, InvalidInput
from mercato.core.events import record_event
from mercato.inventory import services as inventory
from mercato.orders.models import Order, OrderEvent, OrderLine
from mercato.orders.services.draft_checks import (
    VariantNotPurchasable,
    Wanted,
    check_given,
    check_purchasable,
    check_quantity,
    clean_draft_address,
    clean_email,
    clean_note,
    new_lines,
)
from mercato.orders.services.placement import next_order_number, priced_totals
from mercato.orders.services.status import lock_order, record_order_event, transition_order
from mercato.pricing import services as pricing_services
from mercato.pricing.lines import LinesToPrice, PricedLines, price_lines
from mercato.pricing.models import Voucher
from mercato.pricing.pipeline import PricingResult, VoucherInput
from mercato.pricing.selectors import CartLineSpec, voucher_input
from mercato.shipping.errors import ShippingMethodUnavailable
from mercato.shipping.selectors import ShippingQuote

S = Order.Status
EDITABLE = frozenset({S.UNCONFIRMED, S.UNFULFILLED})
UNPAID = frozenset({Order.PaymentStatus.NOT_CHARGED, Order.PaymentStatus.FAILED})
DRAFT_FIELDS = (
    "user",
    "email",
    "shipping_address",
    "billing_address",
    "shipping_method_id",
    "voucher_code",
    "note",
)


class NotADraft(Conflict):
    code, title = "order_not_draft", "This order is not a draft"


class OrderNotEditable(Conflict):
    code, title = "order_not_editable", "This order's lines can no longer be changed"


class OrderPaidEditRefused(Conflict):
    code, title = "order_paid_edit_refused", "Money was taken for this order"


class DraftIncomplete(InvalidInput):
    code, title = "draft_incomplete", "The draft is missing details"


# --- prices ---------------------------------------------------------------------------------


def _voucher_for_placed(code: str) -> VoucherInput | None:
    voucher = Voucher.objects.filter(code=code).first() if code else None
    return voucher_input(voucher) if voucher is not None else None


def _charged_shipping(order: Order) -> Decimal | None:
    """What a placed order charges for shipping (entered), if anything."""
    if not order.shipping_gross:
        return None
    return order.shipping_gross if order.prices_include_tax else order.shipping_net


def _price(order: Order, wanted: list[Wanted]) -> tuple[PricingResult, ShippingQuote | None]:
    """Price these lines for `order` through the pricing pipeline and the shipping quote.

    A draft is priced as a checkout completing: the voucher is checked now and refused if it
    does not apply; the shipping method must serve the address. A placed order keeps its
    voucher (redeemed when it was placed) as long as it still applies to the new lines, and
    keeps its shipping price if its method can no longer be quoted."""
    draft = order.status == S.DRAFT
    variants = [w.variant for w in wanted]
    if any(v is None for v in variants):
        raise VariantNotPurchasable(
            "A line's variant no longer exists, so the order cannot be priced again; "
            "remove that line first.",
            field="lines",
        )
    priced = price_lines(
        LinesToPrice(
            lines=[
                CartLineSpec(
                    key=w.key, variant_id=v.pk, quantity=w.quantity, unit_price=w.unit_price
                )
                for w, v in zip(wanted, variants, strict=True)
                if v is not None
            ],
            weight_grams=sum(
                (v.weight_grams or 0) * w.quantity
                for w, v in zip(wanted, variants, strict=True)
                if v is not None
            ),
            currency=order.currency,
            country=(order.shipping_address or {}).get("country") or None,
            vat_number=order.vat_number,
            user_id=order.user_id,
            email=order.email,
            voucher_code=order.voucher_code if draft else "",
            voucher=None if draft else _voucher_for_placed(order.voucher_code),
            shipping_method_id=order.shipping_method_id,
            shipping_price=None if draft else _charged_shipping(order),
            method_tax_class=False,  # a draft's shipping is taxed in the shop's shipping class
        )
    )
    if draft:
        _refuse(priced)
    return priced.result, priced.quote


def _refuse(priced: PricedLines) -> None:
    """A draft: a voucher or shipping method that does not apply is refused, named after
    the draft's field."""
    if (exc := priced.voucher_error) is not None:
        raise type(exc)(str(exc), code=exc.code, field="voucher_code") from exc
    if refusal := priced.voucher_refusal("order"):
        raise refusal
    if (error := priced.shipping_error) is not None:
        raise ShippingMethodUnavailable(str(error), field="shipping_method_id") from error


def _write(order: Order, wanted: list[Wanted], result: PricingResult, quote: ShippingQuote | None):
    """Store the priced lines and the order's totals (the order row is saved)."""
    draft = order.status == S.DRAFT
    by_key = {line.key: line for line in result.lines}
    keep = []
    for w in wanted:
        priced = by_key[w.key]
        values = {
            "quantity": w.quantity,
            "unit_price": priced.unit_price,
            "unit_price_discounted": priced.unit_price_discounted,
            "promotion_discount": priced.promotion_discount,
            "promotion_id": priced.promotion_id,
            "promotion_name": priced.promotion_name,
            "voucher_discount": priced.voucher_discount,
            "total_net": priced.net,
            "total_tax": priced.tax,
            "total_gross": priced.gross,
            "tax_rate": priced.tax_rate,
            "tax_class": priced.tax_class,
        }
        if w.line is None or draft:  # a placed line keeps the names it was sold under
            variant = w.variant
            assert variant is not None  # check_purchasable refuses a line without one
            values |= {
                "product_name": variant.product.name,
                "variant_name": variant.name,
                "sku": variant.sku,
                "variant": variant,
            }
        if w.line is None:
            keep.append(OrderLine.objects.create(order=order, **values).pk)
        else:
            for name, value in values.items():
                setattr(w.line, name, value)
            w.line.save()
            keep.append(w.line.pk)
    OrderLine.objects.filter(order=order).exclude(pk__in=keep).delete()
    for name, value in priced_totals(result).columns().items():
        setattr(order, name, value)
    order.reverse_charge = result.reverse_charge
    order.tax_note = result.legal_note
    if quote is not None:
        order.shipping_method_id = str(quote.method_id)
        order.shipping_method_name = quote.name
    elif draft:
        order.shipping_method_name = ""
    if not draft and order.voucher_code and not result.voucher_applied:
        order.voucher_code = ""  # the edit took the order out of the voucher's reach
    order.save()


def _summary(order: Order) -> dict[str, Any]:
    """Lines and totals for the timeline (before/after an edit)."""
    return {
        "lines": [
            {
                "line_id": str(line.public_id),
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "total_gross": str(line.total_gross),
            }
            for line in OrderLine.objects.filter(order=order).order_by("id")
        ],
        "shipping_gross": str(order.shipping_gross),
        "discount_total": str(order.discount_total),
        "total_gross": str(order.total_gross),
    }


AUDITED = ["status", "email", "user", "shipping_method_id", "voucher_code", "total_gross"]
"""The fields of an order that its audit log entries show."""


def _record(
    order: Order, action: str, verb: str, *, actor: Actor, before: dict[str, Any] | None = None
) -> None:
    """The audit log entry of a change: the audited fields as they are now, against `before`."""
    after = snapshot(order, AUDITED)
    record_change(actor=actor, action=action, obj=order, verb=verb, before=before, after=after)


# --- drafts ---------------------------------------------------------------------------------


def create_draft_order(
    *,
    actor: Actor,
    user: User | None = None,
    email: str = "",
    lines: Iterable[tuple[ProductVariant, int]] = (),
    shipping_address: dict | None = None,
    billing_address: dict | None = None,
    shipping_method_id: str | None = None,
    voucher_code: str = "",
    note: str = "",
) -> Order:
    """A draft order for a customer (an account, or just an email), priced now. Lines,
    addresses and the shipping method may come later; `finalise_draft` needs them all."""
    email = clean_email(email or (user.email if user else ""))
    wanted = new_lines(lines)
    shipping = clean_draft_address(shipping_address, "shipping_address")
    billing = clean_draft_address(billing_address, "billing_address") or shipping
    with transaction.atomic():
        order = Order(
            number=next_order_number(),
            user=user,
            email=email,
            status=S.DRAFT,
            origin="draft",
            currency=settings.STORE_CURRENCY,
            shipping_address=shipping,
            billing_address=billing,
            shipping_method_id=str(shipping_method_id or "").strip(),
            voucher_code=(voucher_code or "").strip(),
            customer_note=clean_note(note),
            guest_token=secrets.token_urlsafe(24),
        )
        result, quote = _price(order, wanted)
        order.save()
        _write(order, wanted, result, quote)
        record_order_event(order, OrderEvent.Type.DRAFT_CREATED, actor=actor)
        record_event("order.draft_created", order_id=order.pk)
        _record(order, "create", "order.draft_create", actor=actor)
    return order


def _draft(order: Order) -> Order:
    order = lock_order(order)
    if order.status != S.DRAFT:
        raise NotADraft(f"Order #{order.number} is {order.status}, not a draft.")
    return order


def _current(order: Order) -> list[Wanted]:
    """The order's lines as they are, to be changed (locked order, inside a transaction)."""
    draft = order.status == S.DRAFT
    return [
        Wanted(
            key=line.reference,
            line=line,
            variant=line.variant,
            quantity=line.quantity,
            unit_price=None if draft else line.unit_price,
        )
        for line in OrderLine.objects.filter(order=order)
        .select_related("variant__product")
        .order_by("id")
    ]


def update_draft_order(*, order: Order, actor: Actor, changes: dict[str, Any]) -> Order:
    """Change a draft's customer, email, addresses, shipping method, voucher or note; the
    draft is priced again. `changes` holds any of DRAFT_FIELDS (None clears an address, the
    method, the voucher or the customer)."""
    unknown = set(changes) - set(DRAFT_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.")
    cleaned: dict[str, Any] = {}
    if "user" in changes:
        cleaned["user"] = changes["user"]
    if "email" in changes:
        cleaned["email"] = clean_email(changes["email"])
    for name in ("shipping_address", "billing_address"):
        if name in changes:
            cleaned[name] = clean_draft_address(changes[name], name)
    if "shipping_method_id" in changes:
        cleaned["shipping_method_id"] = str(changes["shipping_method_id"] or "").strip()
    if "voucher_code" in changes:
        cleaned["voucher_code"] = (changes["voucher_code"] or "").strip()
    if "note" in changes:
        cleaned["customer_note"] = clean_note(changes["note"])
    with transaction.atomic():
        order = _draft(order)
        before = snapshot(order, AUDITED)
        for name, value in cleaned.items():
            setattr(order, name, value)
        if "user" in cleaned and cleaned["user"] is not None and "email" not in cleaned:
            order.email = cleaned["user"].email
        wanted = _current(order)
        result, quote = _price(order, wanted)
        _write(order, wanted, result, quote)
        _record(order, "update", "order.draft_update", actor=actor, before=before)
    return order


def delete_draft(*, order: Order, actor: Actor) -> None:
    """Throw a draft away (it holds no stock and no money). Its number is not reused."""
    with transaction.atomic():
        order = _draft(order)
        before = snapshot(order, AUDITED)
        record_change(
            actor=actor, action="delete", obj=order, verb="order.draft_delete", before=before
        )
        order.delete()


def finalise_draft(*, order: Order, actor: Actor) -> Order:
    """Place a draft: everything is checked and priced again, the stock is allocated, the
    voucher use is counted, and the order moves to unfulfilled (or unconfirmed) with its
    `order.created` event (the confirmation email). All or nothing."""
    with transaction.atomic():
        order = _draft(order)
        wanted = _current(order)
        given = (
            ("lines", wanted),
            ("email", order.email),
            ("shipping_address", order.shipping_address),
            ("shipping_method_id", order.shipping_method_id),
        )
        check_given(given, error=DraftIncomplete)
        check_purchasable([w.variant for w in wanted], field="lines")
        result, quote = _price(order, wanted)
        _write(order, wanted, result, quote)
        if result.voucher_applied and result.voucher_id:
            pricing_services.redeem_voucher(
                voucher_id=result.voucher_id,
                user_id=order.user_id,
                email=order.email,
                order_reference=str(order.public_id),
            )
        inventory.allocate_order(
            order_reference=order.reference,
            lines=_to_allocate(OrderLine.objects.filter(order=order).order_by("id")),
            country=order.shipping_address["country"],
            actor=actor,
        )
        order.placed_at = timezone.now()
        order.save(update_fields=["placed_at", "updated_at"])
        status = S.UNFULFILLED if settings.ORDERS_AUTO_CONFIRM else S.UNCONFIRMED
        transition_order(order, status, actor=actor)
        record_order_event(order, OrderEvent.Type.DRAFT_FINALISED, actor=actor, status=status)
        record_event("order.created", order_id=order.pk, number=order.number)
        _record(order, "action", "order.draft_finalise", actor=actor)
    return order


# --- lines (drafts and placed orders) -------------------------------------------------------


def _editable(order: Order) -> Order:
    """The order locked, if its lines may change (a draft, or a placed order not shipped
    and not paid)."""
    order = lock_order(order)
    if order.status == S.DRAFT:
        return order
    if order.status not in EDITABLE:
        raise OrderNotEditable(
            f"A {order.status.replace('_', ' ')} order's lines cannot be changed.",
            order_status=order.status,
        )
    if OrderLine.objects.filter(order=order, quantity_fulfilled__gt=0).exists():
        raise OrderNotEditable("Part of this order is already fulfilled.")
    if order.payment_status not in UNPAID or order.total_authorized > 0 or order.total_charged > 0:
        raise OrderPaidEditRefused(
            "Money was authorised or charged for this order: void or refund it first.",
            payment_status=order.payment_status,
        )
    return order


def _edit_lines(
    order: Order, actor: Actor, change: Callable[[list[Wanted]], list[Wanted]], verb: str
) -> Order:
    with transaction.atomic():
        order = _editable(order)
        placed = order.status != S.DRAFT
        current = _current(order)
        old = {w.key: w.quantity for w in current}
        wanted = change(list(current))
        if not wanted and placed:
            raise InvalidInput(
                "A placed order keeps at least one line; cancel the order instead.",
                code="order_needs_lines",
            )
        if len(wanted) > settings.CART_MAX_LINES:
            raise InvalidInput(
                f"An order holds at most {settings.CART_MAX_LINES} lines.", code="too_many_lines"
            )
        before = _summary(order) if placed else None
        result, quote = _price(order, wanted)
        _write(order, wanted, result, quote)
        if placed:
            _reallocate(order, old, actor)
            record_order_event(
                order, OrderEvent.Type.LINES_EDITED, actor=actor, before=before,
                after=_summary(order),
            )  # fmt: skip
            record_event("order.lines_edited", order_id=order.pk)
        _record(order, "update", verb, actor=actor)
    return order


def _reallocate(order: Order, old: dict[str, int], actor: Actor) -> None:
    """Give back what removed or changed lines held and allocate the changed and new lines."""
    lines = list(OrderLine.objects.filter(order=order).order_by("id"))
    now = {line.reference: line for line in lines}
    released = [ref for ref, qty in old.items() if ref not in now or now[ref].quantity != qty]
    if released:
        inventory.deallocate_lines(line_references=released, actor=actor, reason="order edited")
    again = [line for line in lines if old.get(line.reference) != line.quantity]
    if again:
        inventory.allocate_order(
            order_reference=order.reference,
            lines=_to_allocate(again),
            country=(order.shipping_address or {}).get("country"),
            actor=actor,
        )


def _to_allocate(lines: Iterable[OrderLine]) -> list[inventory.OrderLine]:
    """What allocation needs of these lines (each has its variant: check_purchasable refuses
    a line without one)."""
    wanted = []
    for line in lines:
        assert line.variant_id is not None
        wanted.append(inventory.OrderLine(line.reference, line.variant_id, line.quantity))
    return wanted


def add_order_line(*, order: Order, actor: Actor, variant: ProductVariant, quantity: int) -> Order:
    """Add `quantity` of a published variant (to its line, if the order has one)."""
    check_quantity(quantity)
    check_purchasable([variant])

    def change(lines: list[Wanted]) -> list[Wanted]:
        for i, w in enumerate(lines):
            if w.variant is not None and w.variant.pk == variant.pk:
                lines[i] = replace(w, quantity=check_quantity(w.quantity + quantity))
                return lines
        return [*lines, Wanted(key="new:0", line=None, variant=variant, quantity=quantity)]

    return _edit_lines(order, actor, change, "order.line_add")


def change_order_line(*, order: Order, actor: Actor, line: OrderLine, quantity: int) -> Order:
    """Set a line's quantity (1 or more; remove a line with `remove_order_line`)."""
    check_quantity(quantity)

    def change(lines: list[Wanted]) -> list[Wanted]:
        found = [i for i, w in enumerate(lines) if w.line is not None and w.line.pk == line.pk]
        if not found:
            raise InvalidInput("The line is not in this order.", code="order_line_not_found")
        lines[found[0]] = replace(lines[found[0]], quantity=quantity)
        return lines

    return _edit_lines(order, actor, change, "order.line_change")


def remove_order_line(*, order: Order, actor: Actor, line: OrderLine) -> Order:
    def change(lines: list[Wanted]) -> list[Wanted]:
        if not any(w.line is not None and w.line.pk == line.pk for w in lines):
            raise InvalidInput("The line is not in this order.", code="order_line_not_found")
        return [w for w in lines if w.line is None or w.line.pk != line.pk]

    return _edit_lines(order, actor, change, "order.line_remove")
