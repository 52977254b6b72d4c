"""The whole life of an order over the HTTP API, as a guest and the shop's staff live it:
checkout, payment with the test card, two parcels, delivery, a returned line, its refund.
At each step the money (what the order owes, charged, refunded), the stock (on hand,
allocated, the ledger) and the timeline are checked. Runs on SQLite and PostgreSQL."""

from decimal import Decimal

import pytest
from django.core import mail

from mercato.checkout.tests.conftest import complete, filled_cart, shop  # noqa: F401 (fixture)
from mercato.inventory import selectors as inventory
from mercato.inventory.models import Stock
from mercato.orders.models import Order
from tests.support import run_tasks

pytestmark = pytest.mark.django_db

D = Decimal


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def stock(shop) -> dict[str, tuple[int, int]]:  # noqa: F811
    """(on hand, allocated) per SKU, after checking that the ledger agrees."""
    assert inventory.verify_ledger() == []
    return {
        sku: (quantity, allocated)
        for sku, quantity, allocated in Stock.objects.filter(warehouse=shop.warehouse).values_list(
            "variant__sku", "quantity", "quantity_allocated"
        )
    }


def money_of(order: Order) -> tuple[str, str, str, str, str]:
    order.refresh_from_db()
    return (
        order.status,
        order.payment_status,
        str(order.total_charged),
        str(order.total_refunded),
        str(order.amount_due),
    )


def timeline(order: Order, since: int) -> list[str]:
    """The timeline's entry types after the first `since` (emails left out)."""
    types = list(
        order.events.exclude(type="email_sent")
        .order_by("created_at", "id")
        .values_list("type", "data")
    )
    return [f"{t}:{data['to']}" if t.endswith("status_changed") else t for t, data in types[since:]]


def test_the_life_of_an_order(api, shop, owner_token):  # noqa: F811
    admin = {"token": owner_token}

    # 1. a guest checks out: 2 tees at 15.00 (25 % off 20.00), a novel at 15.00, 4.90 shipping
    cart = filled_cart(api, shop, lines=((0, 2), (1, 1)))
    placed = complete(api, cart, key="complete-1")
    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert body["total"] == money("49.90")
    order = Order.objects.get(public_id=body["id"])
    guest = {"headers": {"X-Order-Token": body["guest_token"]}}
    store = f"/api/store/orders/{order.public_id}"
    admin_order = f"/api/admin/orders/{order.public_id}"
    tee, novel = order.lines.get(sku="TEE-M"), order.lines.get(sku="NOVEL")
    assert (tee.quantity, tee.total_gross, novel.quantity, novel.total_gross) == (
        2,
        D("30.00"),
        1,
        D("15.00"),
    )
    assert money_of(order) == ("unfulfilled", "not_charged", "0.00", "0.00", "49.90")
    assert stock(shop) == {"TEE-M": (10, 2), "NOVEL": (10, 1)}
    assert timeline(order, 0) == ["placed"]

    # 2. the guest pays with the test card (captured at once)
    paid = api.post_json(
        f"{store}/payments",
        {"provider": "test", "token": "tok_visa"},
        headers={**guest["headers"], "Idempotency-Key": "pay-1"},
    )
    assert paid.status_code == 201, paid.content
    assert paid.json()["status"] == "captured"
    assert money_of(order) == ("unfulfilled", "charged", "49.90", "0.00", "0.00")
    assert stock(shop) == {"TEE-M": (10, 2), "NOVEL": (10, 1)}
    after_payment = timeline(order, 1)
    assert after_payment[-1] == "payment_status_changed:charged"
    assert "payment_captured" in after_payment
    seen = len(timeline(order, 0))

    # 3. staff pack and ship the tees first
    first = api.post_json(
        f"{admin_order}/fulfilments",
        {
            "warehouse": shop.warehouse.slug,
            "lines": [{"line_id": str(tee.public_id), "quantity": 2}],
            "carrier": "DHL",
            "tracking_number": "JJD0001",
            "tracking_url": "https://www.dhl.de/track?id=JJD0001",
        },
        **admin,
    )
    assert first.status_code == 201, first.content
    first_id = first.json()["id"]
    shipped = api.post_json(f"{admin_order}/fulfilments/{first_id}/ship", **admin)
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert money_of(order) == ("partially_fulfilled", "charged", "49.90", "0.00", "0.00")
    assert stock(shop) == {"TEE-M": (8, 0), "NOVEL": (10, 1)}
    assert timeline(order, seen) == [
        "fulfilled",
        "status_changed:partially_fulfilled",
        "fulfilment_shipped",
    ]
    seen += 3
    parcels = api.get_json(f"{store}/fulfilments", **guest).json()
    assert [(p["number"], p["status"], p["tracking_number"]) for p in parcels] == [
        (1, "shipped", "JJD0001")
    ]

    # 4. then the novel, in a second parcel
    second = api.post_json(
        f"{admin_order}/fulfilments",
        {
            "warehouse": shop.warehouse.slug,
            "lines": [{"line_id": str(novel.public_id), "quantity": 1}],
            "carrier": "DHL",
            "tracking_number": "JJD0002",
        },
        **admin,
    )
    assert second.status_code == 201, second.content
    assert second.json()["number"] == 2
    second_id = second.json()["id"]
    assert api.post_json(f"{admin_order}/fulfilments/{second_id}/ship", **admin).status_code == 200
    assert money_of(order) == ("fulfilled", "charged", "49.90", "0.00", "0.00")
    assert stock(shop) == {"TEE-M": (8, 0), "NOVEL": (9, 0)}
    assert timeline(order, seen) == ["fulfilled", "status_changed:fulfilled", "fulfilment_shipped"]
    seen += 3

    # 5. both arrive
    for parcel in (first_id, second_id):
        delivered = api.post_json(f"{admin_order}/fulfilments/{parcel}/deliver", **admin)
        assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    assert timeline(order, seen) == ["fulfilment_delivered", "fulfilment_delivered"]
    seen += 2

    # 6. the guest returns the novel
    asked = api.post_json(
        f"{store}/returns",
        {
            "reason": "Already have it",
            "lines": [{"line_id": str(novel.public_id), "quantity": 1, "reason": "duplicate"}],
        },
        **guest,
    )
    assert asked.status_code == 201, asked.content
    return_id = asked.json()["id"]
    assert asked.json()["status"] == "requested"
    assert timeline(order, seen) == ["return_requested"]
    seen += 1
    too_much = api.post_json(
        f"{store}/returns",
        {"lines": [{"line_id": str(tee.public_id), "quantity": 3}]},
        **guest,
    )
    assert too_much.status_code == 422 and too_much.json()["code"] == "return_exceeds_delivered"

    # 7. staff approve it, receive the book back on the shelf, refund it
    returns = f"/api/admin/returns/{return_id}"
    assert api.post_json(f"{returns}/approve", **admin).status_code == 200
    received = api.post_json(
        f"{returns}/receive",
        {
            "warehouse": shop.warehouse.slug,
            "lines": [{"line_id": str(novel.public_id), "restock": True}],
        },
        **admin,
    )
    assert received.status_code == 200, received.content
    assert money_of(order) == ("partially_returned", "charged", "49.90", "0.00", "0.00")
    assert stock(shop) == {"TEE-M": (8, 0), "NOVEL": (10, 0)}
    refunded = api.post_json(f"{returns}/refund", {"refund_shipping": False}, **admin)
    assert refunded.status_code == 200, refunded.content
    assert refunded.json()["refund_amount"] == money("15.00")
    assert money_of(order) == ("partially_returned", "partially_refunded", "49.90", "15.00", "0.00")
    assert stock(shop) == {"TEE-M": (8, 0), "NOVEL": (10, 0)}
    tail = timeline(order, seen)
    assert tail[:3] == ["return_approved", "return_received", "status_changed:partially_returned"]
    assert tail[-2:] == ["payment_status_changed:partially_refunded", "return_refunded"]
    assert "payment_refunded" in tail

    # the guest sees where everything stands
    shown = api.get_json(f"{store}/returns", **guest).json()
    assert [(r["status"], r["refund_amount"]) for r in shown] == [("refunded", money("15.00"))]
    payments = api.get_json(f"{store}/payments", **guest)
    assert payments.status_code == 200

    # and got an email at each step that matters to them
    run_tasks()
    subjects = [m.subject for m in mail.outbox]
    assert all(m.to == ["guest@example.com"] for m in mail.outbox)
    sent = list(
        order.events.filter(type="email_sent")
        .order_by("created_at", "id")
        .values_list("data__template", flat=True)
    )
    assert len(sent) == len(subjects)
    assert sorted(sent) == sorted(
        ["order_confirmation", "order_payment_received", "order_shipped", "order_shipped",
         "order_return_update", "order_return_update", "order_return_update",
         "order_return_update", "order_refunded"]
    )  # fmt: skip
