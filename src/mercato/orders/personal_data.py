"""A customer's orders in the GDPR export, and their anonymisation on erasure.

Export: every order linked to the account (drafts staff made for them too): number, dates,
statuses, email, addresses, note, lines and totals, parcels with tracking, returns.

Erasure keeps the accounting and drops the person: totals, lines (names, SKUs, prices, tax)
and tax facts stay, so the books and the VAT return still add up. The email becomes an
anonymous placeholder, each address is reduced to its country (what the tax on the order
depended on; a postal code can point at a few houses, so it goes), the customer's note and
VAT number are cleared, the link to the account is cut, the guest link from the emails stops
working (a new token), and the email, names and phone are scrubbed from the timeline and the
return reasons. Drafts are deleted (they hold no stock and no money). Orders placed as a guest
with the same email are not touched: nothing proves they are this account's.
"""

import re
import secrets
import uuid
from typing import Any

from mercato.accounts.models import User
from mercato.core.gdpr import personal_data_eraser, personal_data_exporter
from mercato.orders.models import Order, OrderEvent, Return, ReturnLine

ERASED = "[erased]"


def _money(value: Any) -> str:
    return str(value)


@personal_data_exporter("orders")
def export_orders(user: User) -> list[dict]:
    orders = (
        Order.objects.filter(user=user)
        .prefetch_related("lines", "fulfilments", "returns__lines__order_line")
        .order_by("created_at", "id")
    )
    return [
        {
            "number": order.number,
            "status": order.status,
            "payment_status": order.payment_status,
            "created_at": order.created_at.isoformat(),
            "placed_at": order.placed_at.isoformat() if order.placed_at else None,
            "email": order.email,
            "currency": order.currency,
            "shipping_address": order.shipping_address,
            "billing_address": order.billing_address,
            "vat_number": order.vat_number,
            "customer_note": order.customer_note,
            "shipping_method": order.shipping_method_name,
            "lines": [
                {
                    "product": line.product_name,
                    "variant": line.variant_name,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price": _money(line.unit_price),
                    "total": _money(line.total_gross),
                    "quantity_fulfilled": line.quantity_fulfilled,
                    "quantity_returned": line.quantity_returned,
                }
                for line in order.lines.all()
            ],
            "totals": {
                "subtotal": _money(order.subtotal),
                "discount": _money(order.voucher_discount),
                "shipping": _money(order.shipping_price),
                "tax": _money(order.tax_total),
                "total": _money(order.total_gross),
                "charged": _money(order.total_charged),
                "refunded": _money(order.total_refunded),
            },
            "fulfilments": [
                {
                    "number": f.number,
                    "status": f.status,
                    "carrier": f.carrier,
                    "tracking_number": f.tracking_number,
                    "shipped_at": f.shipped_at.isoformat() if f.shipped_at else None,
                }
                for f in order.fulfilments.all()
            ],
            "returns": [
                {
                    "number": r.number,
                    "status": r.status,
                    "reason": r.reason,
                    "created_at": r.created_at.isoformat(),
                    "lines": [
                        {"sku": rl.order_line.sku, "quantity": rl.quantity, "reason": rl.reason}
                        for rl in r.lines.all()
                    ],
                }
                for r in order.returns.all()
            ],
        }
        for order in orders
    ]


def _terms(user: User, order: Order) -> list[str]:
    """What names the person in free text: emails, names, phone numbers (longest first)."""
    found = {user.email, order.email, f"{user.first_name} {user.last_name}".strip()}
    found |= {user.first_name, user.last_name, getattr(user, "phone", "")}
    for address in (order.shipping_address or {}, order.billing_address or {}):
        first, last = address.get("first_name", ""), address.get("last_name", "")
        found |= {first, last, f"{first} {last}".strip(), address.get("phone", "")}
    return sorted((t for t in found if t and len(t.strip()) >= 2), key=len, reverse=True)


def _scrub(value: Any, pattern: re.Pattern | None) -> Any:
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {k: _scrub(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, pattern) for v in value]
    return value


def _country_only(address: dict | None) -> dict:
    country = (address or {}).get("country")
    return {"country": country} if country else {}


@personal_data_eraser("orders")
def erase_orders(user: User) -> None:
    """Runs before the account's own erasure (which renames the account's email)."""
    Order.objects.filter(user=user, status=Order.Status.DRAFT).delete()
    for order in Order.objects.filter(user=user).order_by("pk"):
        terms = _terms(user, order)
        pattern = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)", re.IGNORECASE
            )
            if terms
            else None
        )
        for event in OrderEvent.objects.filter(order=order):
            note, data = _scrub(event.note, pattern), _scrub(event.data, pattern)
            label = _scrub(event.actor_label, pattern)
            by_them = event.user_id == user.pk
            if (note, data, label) != (event.note, event.data, event.actor_label) or by_them:
                event.note, event.data = note, data
                event.actor_label = "customer (erased)" if by_them else label
                event.user = None if by_them else event.user
                event.save(update_fields=["note", "data", "actor_label", "user"])
        for order_return in Return.objects.filter(order=order):
            reason = _scrub(order_return.reason, pattern)
            if reason != order_return.reason:
                Return.objects.filter(pk=order_return.pk).update(reason=reason)
        for line in ReturnLine.objects.filter(order_return__order=order):
            reason = _scrub(line.reason, pattern)
            if reason != line.reason:
                ReturnLine.objects.filter(pk=line.pk).update(reason=reason)
        order.email = f"erased-{uuid.uuid4().hex}@erased.invalid"
        order.shipping_address = _country_only(order.shipping_address)
        order.billing_address = _country_only(order.billing_address)
        order.customer_note = ""
        order.vat_number = ""
        order.checkout_token = ""
        order.guest_token = secrets.token_urlsafe(24)
        order.user = None
        order.save(
            update_fields=[
                "email",
                "shipping_address",
                "billing_address",
                "customer_note",
                "vat_number",
                "checkout_token",
                "guest_token",
                "user",
                "updated_at",
            ]
        )
