"""Order emails, sent by the worker: confirmation, payment received, shipped, cancelled, refund
issued and return updates. Subscribers (orders/subscribers.py) enqueue one task per domain
event; the task reads the order as it is when the email goes out, renders
`templates/emails/order_<kind>.*` and notes the email on the order's timeline.

Each event sends its email once: the timeline entry carries the event's id, and a task that
finds it there does nothing (a dispatch run twice, a task enqueued twice). If the mail relay
fails, the task tries again later as the account emails do (`core.emails.retry_delay`: 30 s,
1 min, 2 min …, six attempts in all); the last failure marks the task failed.

No email goes to an address erased for GDPR (anonymised to `…@erased.invalid`: `.invalid`
can never receive mail) nor about a draft.
"""

import logging
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django_tasks import task

from mercato.core.emails import send_or_retry
from mercato.orders.formatting import address_lines, format_money, format_rate, money_formatter
from mercato.orders.models import Fulfilment, Order, OrderEvent, Return
from mercato.orders.services.status import record_order_event

ORDER_EMAILS = {
    "confirmation",
    "payment_received",
    "shipped",
    "cancelled",
    "refunded",
    "return_update",
}
RETURN_STATUSES = {"requested", "approved", "rejected", "received", "refunded"}

logger = logging.getLogger(__name__)


def template_name(kind: str) -> str:
    return f"order_{kind}"


def is_undeliverable(email: str) -> bool:
    """An empty address, or one in the reserved `.invalid` domain (what erasure writes)."""
    domain = email.rpartition("@")[2].lower().rstrip(".")
    return not email or not domain or domain == "invalid" or domain.endswith(".invalid")


def order_link(order: Order) -> str:
    """The order in the storefront (ORDER_URL). A guest's link carries the order's token; a
    customer signs in instead, so theirs does not (an empty parameter is dropped)."""
    token = "" if order.user_id else order.guest_token
    url = settings.ORDER_URL.format(order_id=order.public_id, token=token)
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if value]
    return urlunsplit(parts._replace(query=urlencode(query)))


def safe_url(url: str) -> str:
    """Only http(s) links reach an email (a tracking URL is typed by staff or an app)."""
    return url if urlsplit(url).scheme in {"http", "https"} else ""


def _line(line: Any, quantity: int, currency: str) -> dict[str, Any]:
    return {
        "name": line.product_name,
        "variant": line.variant_name,
        "sku": line.sku,
        "quantity": quantity,
        "unit_price": format_money(line.unit_price_discounted, currency),
        "total": format_money(line.total_gross, currency),
        "tax_rate": format_rate(line.tax_rate),
    }


def order_context(order: Order) -> dict[str, Any]:
    """What every order email may show: the order, its lines and totals (money formatted
    with the currency), its addresses and the storefront link."""
    currency = order.currency
    m = money_formatter(currency)
    name = " ".join(
        part
        for part in (
            order.billing_address.get("first_name", ""),
            order.billing_address.get("last_name", ""),
        )
        if part
    ) or " ".join(
        part
        for part in (
            order.shipping_address.get("first_name", ""),
            order.shipping_address.get("last_name", ""),
        )
        if part
    )
    return {
        "order": order,
        "number": order.number,
        "customer_name": name,
        "link": order_link(order),
        "lines": [_line(line, line.quantity, currency) for line in order.lines.all()],
        # the order's stated totals: subtotal - discount + shipping (+ tax when prices are
        # without tax) = total, as the cart, the order API and the invoice show them
        "totals": {
            "subtotal": m(order.subtotal),
            "discount": m(order.voucher_discount) if order.voucher_discount else "",
            "voucher_code": order.voucher_code,
            "shipping": m(order.shipping_price),
            "shipping_method": order.shipping_method_name,
            "tax": m(order.tax_total),
            "tax_included": order.prices_include_tax,
            "total": m(order.total_gross),
            "charged": m(order.total_charged),
            "refunded": m(order.total_refunded),
            "due": m(order.amount_due),
        },
        "has_due": order.amount_due > 0,
        "shipping_address": address_lines(order.shipping_address),
        "billing_address": address_lines(order.billing_address),
        "tax_note": order.tax_note,
        "reverse_charge": order.reverse_charge,
    }


def _event_context(kind: str, order: Order, payload: dict[str, Any]) -> dict[str, Any] | None:
    """What one kind of email adds to the order's context, or None when there is nothing to
    send (the parcel or return is gone)."""
    if kind in {"payment_received", "refunded"}:
        amount = Decimal(str(payload.get("amount", "0")))
        return {"amount": format_money(amount, payload.get("currency") or order.currency)}
    if kind == "shipped":
        fulfilment = (
            Fulfilment.objects.filter(order=order, pk=payload.get("fulfilment_id") or 0)
            .prefetch_related("lines__order_line")
            .first()
        )
        if fulfilment is None:
            return None
        return {
            "fulfilment": fulfilment,
            "parcel": f"{order.number}-{fulfilment.number}",
            "carrier": fulfilment.carrier,
            "tracking_number": fulfilment.tracking_number,
            "tracking_url": safe_url(fulfilment.tracking_url),
            "parcel_lines": [
                _line(item.order_line, item.quantity, order.currency)
                for item in fulfilment.lines.all()
            ],
        }
    if kind == "return_update":
        order_return = (
            Return.objects.filter(order=order, pk=payload.get("return_id") or 0)
            .prefetch_related("lines__order_line")
            .first()
        )
        status = payload.get("status")
        if order_return is None or status not in RETURN_STATUSES:
            return None
        return {
            "order_return": order_return,
            "return_status": status,
            "refund_amount": format_money(order_return.refund_amount, order.currency),
            "return_lines": [
                _line(item.order_line, item.quantity, order.currency)
                for item in order_return.lines.all()
            ],
        }
    return {}


@task()
def send_order_email(
    order_id: int,
    kind: str,
    event_id: str,
    payload: dict[str, Any] | None = None,
    attempt: int = 1,
) -> None:
    """Send the `kind` email about order `order_id` for the domain event `event_id`, once."""
    if kind not in ORDER_EMAILS:
        raise ValueError(f"Unknown order email {kind!r}")
    payload = payload or {}
    order = Order.objects.select_related("user").filter(pk=order_id).first()
    if order is None or order.status == Order.Status.DRAFT:
        return
    if is_undeliverable(order.email) or (order.user and order.user.erased_at):
        return
    template = template_name(kind)
    if OrderEvent.objects.filter(
        order=order, type=OrderEvent.Type.EMAIL_SENT, data__event_id=event_id
    ).exists():
        return  # already sent for this event
    extra = _event_context(kind, order, payload)
    if extra is None:
        return
    if not send_or_retry(
        send_order_email,
        {"order_id": order_id, "kind": kind, "event_id": event_id, "payload": payload},
        attempt=attempt,
        about=f"{kind} about order {order_id}",
        template=template,
        to=order.email,
        context={**order_context(order), **extra},
        user_id=order.user_id,
    ):
        return
    record_order_event(
        order,
        OrderEvent.Type.EMAIL_SENT,
        template=template,
        event=payload.get("event", ""),
        event_id=event_id,
    )
