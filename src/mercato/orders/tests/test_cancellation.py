"""Cancelling an order gives its stock back and its money back, in one transaction; an order
with anything fulfilled, or one cancelled already, is refused and nothing changes."""

from decimal import Decimal

import pytest
from django.core import mail

from mercato.core.errors import DomainError
from mercato.core.models import Event
from mercato.inventory import selectors as inventory
from mercato.inventory.models import Allocation, Stock
from mercato.orders.models import Order
from mercato.orders.services.fulfilment import ParcelLine, cancel_fulfilment, create_fulfilment
from mercato.orders.tests.conftest import pay
from mercato.payments.models import Payment
from mercato.payments.services import cancel_order
from tests.support import run_tasks
from tests.support.orders import make_order

pytestmark = pytest.mark.django_db

D = Decimal


def stock_figures(placed) -> list[tuple[int, int]]:
    return [
        (s.quantity, s.quantity_allocated)
        for s in (Stock.objects.get(variant=v, warehouse=placed.warehouse) for v in placed.variants)
    ]


def test_cancelling_an_unpaid_order_releases_its_stock_and_tells_the_customer(staff_actor):
    placed = make_order(email="ada@example.com")
    order = placed.order
    run_tasks()
    mail.outbox.clear()
    assert stock_figures(placed) == [(100, 2), (100, 1)]

    cancelled = cancel_order(order=order, actor=staff_actor, note="Customer called")

    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    order.refresh_from_db()
    assert order.status == "cancelled" and order.payment_status == "not_charged"
    assert stock_figures(placed) == [(100, 0), (100, 0)]
    assert not Allocation.objects.filter(order_reference=order.reference).exists()
    assert inventory.verify_ledger() == []
    events = list(order.events.values_list("type", "note"))
    assert events[-2:] == [("status_changed", "Customer called"), ("cancelled", "Customer called")]
    assert order.events.get(type="cancelled").data["units_released"] == 3
    assert Event.objects.filter(name="order.cancelled", payload__order_id=order.pk).exists()
    run_tasks()
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert str(order.number) in message.subject


def test_cancelling_a_paid_order_refunds_it(staff_actor):
    placed = make_order()
    order = pay(placed.order)
    assert order.total_charged == Decimal("59.90")

    cancel_order(order=order, actor=staff_actor)

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert (order.total_charged, order.total_refunded) == (Decimal("59.90"), Decimal("59.90"))
    assert order.payment_status == "refunded"
    assert order.payments.get().status == Payment.Status.REFUNDED


def test_cancelling_an_authorised_order_voids_the_authorisation(staff_actor):
    placed = make_order()
    order = pay(placed.order, capture=False)
    assert order.payment_status == "authorized"

    cancel_order(order=order, actor=staff_actor)

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.payment_status == "not_charged"
    assert order.total_authorized == 0 and order.total_charged == 0
    assert order.payments.get().status == Payment.Status.VOIDED


def test_an_unconfirmed_order_can_be_cancelled(staff_actor, settings):
    settings.ORDERS_AUTO_CONFIRM = False
    placed = make_order()
    assert placed.order.status == "unconfirmed"

    cancel_order(order=placed.order, actor=staff_actor)

    placed.order.refresh_from_db()
    assert placed.order.status == "cancelled"
    assert stock_figures(placed) == [(100, 0), (100, 0)]


def refused(db_state, **kwargs) -> DomainError:
    before = db_state()
    with pytest.raises(DomainError) as caught:
        cancel_order(**kwargs)
    assert (caught.value.code, caught.value.status) == ("order_not_cancellable", 409)
    assert db_state() == before
    return caught.value


def test_a_second_cancel_is_refused_and_changes_nothing(staff_actor, db_state):
    placed = make_order()
    order = pay(placed.order)
    cancel_order(order=order, actor=staff_actor)

    error = refused(db_state, order=order, actor=staff_actor)

    assert error.extra["order_status"] == "cancelled"


def test_an_order_with_a_parcel_must_have_it_cancelled_first(staff_actor, db_state):
    placed = make_order()
    order = pay(placed.order)
    tee, cap = order.lines.order_by("pk")
    parcel = create_fulfilment(
        order=order, warehouse=placed.warehouse, lines=[ParcelLine(tee, 1)], actor=staff_actor
    )

    error = refused(db_state, order=order, actor=staff_actor)
    assert "cancel its fulfilments first" in str(error)
    create_fulfilment(
        order=order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(tee, 1), ParcelLine(cap, 1)],
        actor=staff_actor,
    )
    refused(db_state, order=order, actor=staff_actor)  # fulfilled

    for item in order.fulfilments.all():
        cancel_fulfilment(fulfilment=item, actor=staff_actor)
    cancel_order(order=order, actor=staff_actor)

    order.refresh_from_db()
    assert order.status == "cancelled" and order.payment_status == "refunded"
    assert stock_figures(placed) == [(100, 0), (100, 0)]
    assert inventory.verify_ledger() == []
    parcel.refresh_from_db()
    assert parcel.status == "cancelled"


def test_a_draft_cannot_be_cancelled_here(staff_actor, db_state):
    placed = make_order(allocate=False)
    Order.objects.filter(pk=placed.order.pk).update(status=Order.Status.DRAFT)

    refused(db_state, order=placed.order, actor=staff_actor)


def test_a_note_longer_than_5000_characters_is_refused(staff_actor, db_state):
    placed = make_order()
    before = db_state()

    with pytest.raises(DomainError) as caught:
        cancel_order(order=placed.order, actor=staff_actor, note="x" * 5001)

    assert caught.value.code == "note_too_long"
    assert db_state() == before


# --- over HTTP ------------------------------------------------------------------------------


def test_staff_cancel_over_the_api_and_a_replay_is_answered_the_same(api, owner_token, db_state):
    placed = make_order()
    order = pay(placed.order)
    url = f"/api/admin/orders/{order.public_id}/cancel"
    key = {"Idempotency-Key": "cancel-1"}

    first = api.post_json(url, {"note": "out of stock"}, token=owner_token, headers=key)

    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "cancelled"
    assert first.json()["payment_status"] == "refunded"
    after = db_state()
    replay = api.post_json(url, {"note": "out of stock"}, token=owner_token, headers=key)
    assert replay.status_code == 200 and replay.json() == first.json()
    assert db_state() == after

    again = api.post_json(url, token=owner_token)
    assert again.status_code == 409 and again.json()["code"] == "order_not_cancellable"
    assert db_state() == after


def test_cancel_needs_permission_and_a_real_order(
    api, owner_token, staff_token_without_permissions, db_state
):
    placed = make_order()
    url = f"/api/admin/orders/{placed.order.public_id}/cancel"
    before = db_state()

    assert api.post_json(url).status_code == 401
    assert api.post_json(url, token=staff_token_without_permissions).status_code == 403
    for order_id in ["00000000-0000-0000-0000-000000000000", "nope", str(placed.order.number)]:
        response = api.post_json(f"/api/admin/orders/{order_id}/cancel", token=owner_token)
        assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    bad = api.post_json(url, {"note": "x", "force": True}, token=owner_token)
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
    assert db_state() == before


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancels_cancel_and_refund_once(owner):
    from django.db import connection

    from mercato.audit.services import Actor
    from mercato.inventory.tests.test_concurrency import outcomes, run_together

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory SQLite test database cannot wait for a concurrent writer")
    actor = Actor(user_id=owner.pk, label=owner.email)
    placed = make_order()
    order = pay(placed.order)

    results = run_together(4, lambda _: cancel_order(order=order, actor=actor))

    assert outcomes(results) == {"ok": 1, "OrderNotCancellable": 3}
    order.refresh_from_db()
    assert order.status == "cancelled" and order.total_refunded == D("59.90")
    assert order.events.filter(type="cancelled").count() == 1
    assert stock_figures(placed) == [(100, 0), (100, 0)]
    assert inventory.verify_ledger() == []
