"""Orders in the GDPR export and erasure: the customer gets their orders; erasure drops the
person from them and keeps the accounting."""

from decimal import Decimal

import pytest

from mercato.audit.services import Actor
from mercato.orders.models import Order, OrderEvent, OrderLine, Return, ReturnLine
from mercato.orders.services.status import add_note, record_order_event
from tests.support import PASSWORD, UserFactory
from tests.support.orders import make_order

pytestmark = pytest.mark.django_db
D = Decimal
STAFF = Actor(user_id=None, label="staff@example.com", source="admin_api")


def test_the_export_holds_the_customers_orders(api, customer, customer_token):
    order = make_order(user=customer, lines=[("20.00", 2)]).order
    make_order(user=UserFactory())

    body = api.get_json("/api/store/me/export", token=customer_token).json()

    assert [o["number"] for o in body["orders"]] == [order.number]
    exported = body["orders"][0]
    assert exported["email"] == customer.email
    assert exported["shipping_address"]["city"] == "Berlin"
    assert exported["totals"]["total"] == "44.90"
    assert exported["lines"][0]["quantity"] == 2
    assert exported["lines"][0]["unit_price"] == "20.00"
    assert exported["placed_at"] is not None


def accounting(order: Order) -> tuple:
    row = Order.objects.filter(pk=order.pk).values_list(
        "number", "status", "payment_status", "currency", "subtotal_net", "subtotal_gross",
        "discount_total", "tax_total", "total_net", "total_gross", "shipping_gross",
        "shipping_tax", "total_charged", "total_refunded", "reverse_charge", "tax_note",
        "placed_at",
    ).get()  # fmt: skip
    lines = list(
        OrderLine.objects.filter(order=order).order_by("pk").values_list(
            "sku", "product_name", "quantity", "unit_price", "total_net", "total_tax",
            "total_gross", "tax_rate",
        )
    )  # fmt: skip
    return row, lines


def test_erasure_anonymises_orders_and_keeps_the_accounting(api, customer, customer_token):
    customer.first_name, customer.last_name = "Grace", "Hopper"
    customer.save()
    order = make_order(user=customer).order
    Order.objects.filter(pk=order.pk).update(customer_note="Call +49 30 1234", vat_number="DE1")
    add_note(order=order, note=f"Grace Hopper ({customer.email}) called twice", actor=STAFF)
    add_note(order=order, note="Ada Lovelace will pick it up in Canada", actor=STAFF)
    record_order_event(
        order,
        OrderEvent.Type.RETURN_REQUESTED,
        actor=Actor(user_id=customer.pk, label=customer.email, source="store_api"),
        note="",
        email=customer.email,
    )
    order_return = Return.objects.create(order=order, number=1, reason=f"mail {customer.email}")
    ReturnLine.objects.create(
        order_return=order_return, order_line=order.lines.first(), quantity=1, reason="too big"
    )
    draft = make_order(user=customer).order
    Order.objects.filter(pk=draft.pk).update(status="draft")
    others = make_order(user=UserFactory()).order
    guest_token = order.guest_token
    kept = accounting(order)

    erased = api.delete_json("/api/store/me", {"password": PASSWORD}, token=customer_token)

    assert erased.status_code == 204, erased.content
    order.refresh_from_db()
    assert accounting(order) == kept
    assert order.user_id is None
    assert order.email.endswith("@erased.invalid") and customer.email not in order.email
    assert order.shipping_address == order.billing_address == {"country": "DE"}
    assert (order.customer_note, order.vat_number, order.checkout_token) == ("", "", "")
    assert order.guest_token != guest_token
    notes = list(order.events.filter(type="note_added").values_list("note", flat=True))
    assert notes == [
        "[erased] ([erased]) called twice",
        "[erased] will pick it up in Canada",
    ]
    requested = order.events.get(type="return_requested")
    assert (requested.actor_label, requested.user_id) == ("customer (erased)", None)
    assert requested.data == {"email": "[erased]"}
    assert Return.objects.get(pk=order_return.pk).reason == "mail [erased]"
    assert ReturnLine.objects.get().reason == "too big"
    assert not Order.objects.filter(pk=draft.pk).exists()
    others.refresh_from_db()
    assert others.email != order.email and others.shipping_address["city"] == "Berlin"
    dump = str(list(OrderEvent.objects.filter(order=order).values()))
    assert customer.email not in dump and "Hopper" not in dump
    assert (
        api.get_json(f"/api/store/orders/{order.public_id}", {"token": guest_token}).status_code
        == 404
    )
