"""Returns: a customer returns delivered units only; staff approve or reject, receive (restock
per line, through the inventory services) and refund (from the line snapshots, through the
payments services, once). Illegal moves are 409; refused input changes nothing."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mercato.audit.services import Actor
from mercato.core.errors import DomainError
from mercato.core.models import Event
from mercato.inventory import selectors as inventory
from mercato.inventory.models import Stock
from mercato.orders.models import Order, OrderLine, Return
from mercato.orders.services.fulfilment import (
    ParcelLine,
    create_fulfilment,
    mark_delivered,
    mark_shipped,
)
from mercato.orders.services.returns import (
    ReturnItem,
    approve_return,
    receive_return,
    refund_for_units,
    reject_return,
    request_return,
)
from mercato.orders.tests.conftest import pay
from mercato.payments.models import Transaction
from mercato.payments.services import refund_return
from tests.support import sign_in
from tests.support.orders import make_order, order_warehouse

pytestmark = pytest.mark.django_db

D = Decimal
SHOPPER = Actor(label="guest", source="store_api")


def refused(code: str, status: int, call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert (caught.value.code, caught.value.status) == (code, status), caught.value
    return caught.value


def deliver_all(placed, actor) -> Order:
    order = placed.order
    parcel = create_fulfilment(
        order=order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(line, line.quantity) for line in order.lines.order_by("pk")],
        actor=actor,
    )
    mark_shipped(fulfilment=parcel, actor=actor)
    mark_delivered(fulfilment=parcel, actor=actor)
    order.refresh_from_db()
    return order


@pytest.fixture
def delivered(staff_actor):
    """A paid order (2 x 20.00 + 15.00 + 4.90 shipping = 59.90 EUR), all delivered."""
    placed = make_order()
    pay(placed.order)
    deliver_all(placed, staff_actor)
    return placed


def lines_of(order: Order) -> list[OrderLine]:
    return list(order.lines.order_by("pk"))


def on_hand(variant, warehouse=None) -> int:
    return Stock.objects.get(variant=variant, warehouse=warehouse or order_warehouse()).quantity


# --- the whole way --------------------------------------------------------------------------


def test_a_return_is_requested_approved_received_with_restock_and_refunded(delivered, staff_actor):
    order = delivered.order
    tee, _ = lines_of(order)

    asked = request_return(
        order=order,
        lines=[ReturnItem(tee, 1, "too small")],
        reason="Does not fit",
        actor=staff_actor,
    )
    assert (asked.number, asked.status, asked.reason) == (1, "requested", "Does not fit")
    [item] = asked.lines.all()
    assert (item.order_line_id, item.quantity, item.reason) == (tee.pk, 1, "too small")

    approve_return(order_return=asked, actor=staff_actor, note="Send it to Berlin")
    received = receive_return(
        order_return=asked, restock={tee.public_id: True}, warehouse=delivered.warehouse,
        actor=staff_actor,
    )  # fmt: skip
    assert received.status == "received"
    assert on_hand(delivered.variants[0]) == 99  # 100 - 2 shipped + 1 back
    tee.refresh_from_db()
    assert tee.quantity_returned == 1
    order.refresh_from_db()
    assert order.status == "partially_returned"
    assert inventory.verify_ledger() == []

    refunded = refund_return(order_return=asked, actor=staff_actor)

    assert refunded.status == "refunded" and refunded.refund_amount == D("20.00")
    order.refresh_from_db()
    assert (order.total_charged, order.total_refunded) == (D("59.90"), D("20.00"))
    assert order.payment_status == "partially_refunded"
    [txn] = Transaction.objects.filter(kind="refund")
    assert txn.reference == f"return:{asked.public_id}" and txn.amount == D("20.00")
    types = list(order.events.filter(type__startswith="return_").values_list("type", flat=True))
    assert types == ["return_requested", "return_approved", "return_received", "return_refunded"]
    names = set(
        Event.objects.filter(name__startswith="return.", payload__return_id=asked.pk).values_list(
            "name", flat=True
        )
    )
    assert names == {
        "return.requested",
        "return.approved",
        "return.received",
        "return.refunded",
    }


def test_everything_returned_makes_the_order_returned_and_refunds_it_all(delivered, staff_actor):
    order = delivered.order
    tee, cap = lines_of(order)
    first = request_return(
        order=order, lines=[ReturnItem(tee, 2, ""), ReturnItem(cap, 1, "")], actor=staff_actor
    )
    approve_return(order_return=first, actor=staff_actor)
    receive_return(order_return=first, restock={}, actor=staff_actor)  # damaged: no restock

    refund_return(order_return=first, refund_shipping=True, actor=staff_actor)

    order.refresh_from_db()
    assert order.status == "returned"
    assert order.total_refunded == D("59.90") and order.payment_status == "refunded"
    assert [on_hand(v) for v in delivered.variants] == [98, 99]
    first.refresh_from_db()
    assert first.refund_amount == D("59.90") and first.refund_shipping is True


# --- refund amounts -------------------------------------------------------------------------


def line_worth(total: str, quantity: int) -> OrderLine:
    return OrderLine(quantity=quantity, total_gross=D(total))


def test_the_last_unit_of_a_line_takes_the_remainder():
    line = line_worth("10.00", 3)  # 3.333… a unit

    assert refund_for_units(line, already=0, quantity=1) == D("3.33")
    assert refund_for_units(line, already=1, quantity=1) == D("3.33")
    assert refund_for_units(line, already=2, quantity=1) == D("3.34")
    assert refund_for_units(line, already=0, quantity=3) == D("10.00")
    assert refund_for_units(line_worth("10.01", 3), already=0, quantity=1) == D("3.34")
    assert refund_for_units(line_worth("10.01", 3), already=2, quantity=1) == D("3.33")
    assert refund_for_units(line_worth("0.01", 2), already=0, quantity=1) == D("0.01")
    assert refund_for_units(line_worth("0.01", 2), already=1, quantity=1) == D("0.00")


@given(
    cents=st.integers(min_value=0, max_value=10**9),
    parts=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=8),
)
def test_returning_a_line_in_any_parts_refunds_exactly_its_total(cents, parts):
    quantity = sum(parts)
    line = line_worth(str(D(cents) / 100), quantity)
    already, refunds = 0, []
    for part in parts:
        refunds.append(refund_for_units(line, already=already, quantity=part))
        already += part

    assert sum(refunds) == line.total_gross
    assert all(r >= 0 and r == r.quantize(D("0.01")) for r in refunds)


def test_a_discounted_line_returned_in_two_returns_refunds_its_total(staff_actor):
    placed = make_order(lines=[("4.00", 3)], shipping="0.00")
    order = placed.order
    OrderLine.objects.filter(order=order).update(total_gross=D("10.00"))  # a 2.00 discount
    Order.objects.filter(pk=order.pk).update(subtotal_gross=D("10.00"), total_gross=D("10.00"))
    order.refresh_from_db()
    pay(order)
    deliver_all(placed, staff_actor)
    [line] = lines_of(order)
    amounts = []
    for quantity in (2, 1):
        r = request_return(order=order, lines=[ReturnItem(line, quantity, "")], actor=staff_actor)
        approve_return(order_return=r, actor=staff_actor)
        receive_return(order_return=r, actor=staff_actor)
        amounts.append(refund_return(order_return=r, actor=staff_actor).refund_amount)

    assert amounts == [D("6.66"), D("3.34")]
    order.refresh_from_db()
    assert order.total_refunded == D("10.00") and order.payment_status == "refunded"


def test_shipping_is_refunded_once_per_order(delivered, staff_actor, db_state):
    order = delivered.order
    tee, cap = lines_of(order)
    first = request_return(order=order, lines=[ReturnItem(tee, 1, "")], actor=staff_actor)
    second = request_return(order=order, lines=[ReturnItem(cap, 1, "")], actor=staff_actor)
    for r in (first, second):
        approve_return(order_return=r, actor=staff_actor)
        receive_return(order_return=r, actor=staff_actor)
    done = refund_return(order_return=first, refund_shipping=True, actor=staff_actor)
    assert done.refund_amount == D("24.90")
    before = db_state()

    refused(
        "shipping_already_refunded",
        409,
        refund_return,
        order_return=second,
        refund_shipping=True,
        actor=staff_actor,
    )

    assert db_state() == before
    assert refund_return(order_return=second, actor=staff_actor).refund_amount == D("15.00")


def test_a_return_of_an_unpaid_order_closes_without_money(staff_actor):
    placed = make_order()  # never paid: cash on delivery not collected, say
    deliver_all(placed, staff_actor)
    tee, _ = lines_of(placed.order)
    r = request_return(order=placed.order, lines=[ReturnItem(tee, 1, "")], actor=staff_actor)
    approve_return(order_return=r, actor=staff_actor)
    receive_return(order_return=r, actor=staff_actor)

    refunded = refund_return(order_return=r, actor=staff_actor)

    assert (refunded.status, refunded.refund_amount) == ("refunded", D("0"))
    event = placed.order.events.get(type="return_refunded")
    assert (event.data["amount"], event.data["value"]) == ("0.00", "20.00")
    placed.order.refresh_from_db()
    assert (placed.order.payment_status, placed.order.total_refunded) == ("not_charged", D("0"))


def test_a_refund_is_capped_at_what_the_payments_still_hold(staff_actor):
    from mercato.payments.services import start_payment

    placed = make_order()  # 59.90; only 30.00 paid
    start_payment(order=placed.order, provider="test", token="tok_visa", amount=D("30.00"))
    deliver_all(placed, staff_actor)
    tee, novel = lines_of(placed.order)
    r = request_return(
        order=placed.order,
        lines=[ReturnItem(tee, 2, ""), ReturnItem(novel, 1, "")],
        actor=staff_actor,
    )
    approve_return(order_return=r, actor=staff_actor)
    receive_return(order_return=r, actor=staff_actor)

    assert refund_return(order_return=r, actor=staff_actor).refund_amount == D("30.00")
    placed.order.refresh_from_db()
    assert (placed.order.total_charged, placed.order.total_refunded) == (D("30.00"), D("30.00"))
    assert placed.order.payment_status == "refunded"


# --- what may be returned -------------------------------------------------------------------


def test_only_delivered_units_not_already_being_returned_can_be_asked_for(staff_actor, db_state):
    placed = make_order()
    order = placed.order
    tee, cap = lines_of(order)
    parcel = create_fulfilment(
        order=order, warehouse=placed.warehouse, lines=[ParcelLine(tee, 2)], actor=staff_actor
    )
    mark_shipped(fulfilment=parcel, actor=staff_actor)
    before = db_state()

    # shipped is not delivered; cap was never fulfilled
    for lines in ([ReturnItem(tee, 1, "")], [ReturnItem(cap, 1, "")]):
        refused(
            "return_exceeds_delivered",
            422,
            request_return,
            order=order,
            lines=lines,
            actor=staff_actor,
        )
    assert db_state() == before

    mark_delivered(fulfilment=parcel, actor=staff_actor)
    first = request_return(order=order, lines=[ReturnItem(tee, 1, "")], actor=staff_actor)
    before = db_state()
    error = refused(
        "return_exceeds_delivered",
        422,
        request_return,
        order=order,
        lines=[ReturnItem(tee, 2, "")],
        actor=staff_actor,
    )
    assert error.extra["returnable"] == 1
    assert error.extra["errors"][0]["field"] == "lines.0.quantity"
    assert db_state() == before

    reject_return(order_return=first, actor=staff_actor, note="Worn")
    again = request_return(order=order, lines=[ReturnItem(tee, 2, "")], actor=staff_actor)
    assert again.number == 2


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ((0, ""), "invalid_quantity"),
        ((-1, ""), "invalid_quantity"),
        ((10**9, ""), "invalid_quantity"),
        ((1, "x" * 301), "reason_too_long"),
    ],
)
def test_bad_return_lines_are_refused(delivered, staff_actor, db_state, entry, code):
    tee, _ = lines_of(delivered.order)
    before = db_state()

    refused(
        code,
        422,
        request_return,
        order=delivered.order,
        lines=[ReturnItem(tee, *entry)],
        actor=staff_actor,
    )

    assert db_state() == before


def test_lines_of_another_order_and_empty_returns_are_refused(delivered, staff_actor, db_state):
    other = make_order(lines=[("5.00", 1)])
    deliver_all(other, staff_actor)
    tee, _ = lines_of(delivered.order)
    before = db_state()

    for lines, code in [
        ([ReturnItem(other.order.lines.get(), 1, "")], "line_not_in_order"),
        ([], "lines_required"),
        ([ReturnItem(tee, 1, ""), ReturnItem(tee, 1, "")], "duplicate_line"),
    ]:
        refused(code, 422, request_return, order=delivered.order, lines=lines, actor=staff_actor)

    assert db_state() == before


# --- illegal moves --------------------------------------------------------------------------


def test_illegal_return_moves_are_refused_with_409(delivered, staff_actor, db_state):
    order = delivered.order
    tee, cap = lines_of(order)
    requested = request_return(order=order, lines=[ReturnItem(tee, 1, "")], actor=staff_actor)
    rejected = request_return(order=order, lines=[ReturnItem(tee, 1, "")], actor=staff_actor)
    reject_return(order_return=rejected, actor=staff_actor)
    refunded = request_return(order=order, lines=[ReturnItem(cap, 1, "")], actor=staff_actor)
    approve_return(order_return=refunded, actor=staff_actor)
    receive_return(order_return=refunded, actor=staff_actor)
    refund_return(order_return=refunded, actor=staff_actor)
    before = db_state()

    cases = [
        (receive_return, requested),
        (refund_return, requested),
        (approve_return, rejected),
        (reject_return, rejected),
        (receive_return, rejected),
        (approve_return, refunded),
        (reject_return, refunded),
        (receive_return, refunded),
        (refund_return, refunded),
    ]
    for call, order_return in cases:
        error = refused(
            "illegal_return_transition", 409, call, order_return=order_return, actor=staff_actor
        )
        order_return.refresh_from_db()
        assert error.extra["current"] == order_return.status

    assert db_state() == before


def test_receiving_checks_its_restock_input(delivered, staff_actor, db_state):
    order = delivered.order
    tee, cap = lines_of(order)
    r = request_return(order=order, lines=[ReturnItem(tee, 1, "")], actor=staff_actor)
    approve_return(order_return=r, actor=staff_actor)
    before = db_state()

    refused(
        "warehouse_required",
        422,
        receive_return,
        order_return=r,
        restock={tee.public_id: True},
        actor=staff_actor,
    )
    refused(
        "line_not_in_return",
        422,
        receive_return,
        order_return=r,
        restock={cap.public_id: True},
        warehouse=delivered.warehouse,
        actor=staff_actor,
    )

    assert db_state() == before


# --- over HTTP ------------------------------------------------------------------------------


def return_body(*entries) -> dict:
    return {
        "reason": "Not as pictured",
        "lines": [
            {"line_id": str(line.public_id), "quantity": quantity, "reason": "colour"}
            for line, quantity in entries
        ],
    }


def test_a_customer_and_a_guest_ask_for_returns_over_the_store_api(
    api, customer, customer_token, other_customer, staff_actor, db_state
):
    placed = make_order(user=customer)
    order = pay(placed.order)
    deliver_all(placed, staff_actor)
    tee, cap = lines_of(order)
    url = f"/api/store/orders/{order.public_id}/returns"

    mine = api.post_json(url, return_body((tee, 1)), token=customer_token)
    as_guest = api.post_json(
        url, return_body((cap, 1)), headers={"X-Order-Token": order.guest_token}
    )

    assert mine.status_code == 201, mine.json()
    body = mine.json()
    assert body["number"] == 1 and body["status"] == "requested"
    assert body["refund_amount"] is None
    assert body["lines"][0]["line_id"] == str(tee.public_id)
    assert "staff_note" not in body
    assert as_guest.status_code == 201 and as_guest.json()["number"] == 2
    first = Return.objects.get(public_id=body["id"])
    assert first.order.events.filter(type="return_requested").first().actor_label == customer.email

    listed = api.get_json(url, token=customer_token)
    assert [r["number"] for r in listed.json()] == [1, 2]

    foreign = make_order(lines=[("1.00", 1)]).order.lines.get()
    before = db_state()
    for response in (
        api.post_json(url, return_body((tee, 1)), token=sign_in(other_customer).access_token),
        api.post_json(url, return_body((tee, 1))),
        api.get_json(url, token=sign_in(other_customer).access_token),
    ):
        assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    too_many = api.post_json(url, return_body((tee, 2)), token=customer_token)
    assert too_many.status_code == 422 and too_many.json()["code"] == "return_exceeds_delivered"
    zero = api.post_json(url, return_body((tee, 0)), token=customer_token)
    assert zero.status_code == 422 and zero.json()["code"] == "validation_error"
    other_line = api.post_json(url, return_body((foreign, 1)), token=customer_token)
    assert other_line.status_code == 422 and other_line.json()["code"] == "line_not_in_order"
    assert db_state() == before


def test_staff_approve_receive_and_refund_over_the_admin_api(api, delivered, owner_token):
    order = delivered.order
    tee, cap = lines_of(order)
    r = request_return(
        order=order, lines=[ReturnItem(tee, 2, ""), ReturnItem(cap, 1, "")], actor=SHOPPER
    )
    base = f"/api/admin/returns/{r.public_id}"

    approved = api.post_json(f"{base}/approve", {"note": "ok"}, token=owner_token)
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved" and approved.json()["staff_note"] == "ok"
    received = api.post_json(
        f"{base}/receive",
        {
            "warehouse": delivered.warehouse.slug,
            "lines": [
                {"line_id": str(tee.public_id), "restock": True},
                {"line_id": str(cap.public_id), "restock": False},
            ],
        },
        token=owner_token,
    )
    assert received.status_code == 200, received.json()
    assert [(x["restock"], x["warehouse"]) for x in received.json()["lines"]] == [
        (True, delivered.warehouse.slug),
        (False, None),
    ]
    assert [on_hand(v) for v in delivered.variants] == [100, 99]
    refunded = api.post_json(f"{base}/refund", {"refund_shipping": True}, token=owner_token)
    assert refunded.status_code == 200, refunded.json()
    assert refunded.json()["refund_amount"] == {"amount": "59.90", "currency": "EUR"}
    again = api.post_json(f"{base}/refund", token=owner_token)
    assert again.status_code == 409 and again.json()["code"] == "illegal_return_transition"
    shown = api.get_json(base, token=owner_token)
    assert shown.status_code == 200 and shown.json()["status"] == "refunded"
    order.refresh_from_db()
    assert order.status == "returned" and order.payment_status == "refunded"


def test_staff_reject_and_bad_admin_input_changes_nothing(
    api, delivered, owner_token, staff_token_without_permissions, db_state
):
    tee, _ = lines_of(delivered.order)
    r = request_return(order=delivered.order, lines=[ReturnItem(tee, 1, "")], actor=SHOPPER)
    base = f"/api/admin/returns/{r.public_id}"
    nope, not_a_return = (
        "/api/admin/returns/nope",
        f"/api/admin/returns/{delivered.order.public_id}",
    )
    before = db_state()

    checks = [
        (api.post_json(f"{base}/approve"), 401, "not_authenticated"),
        (api.post_json(f"{base}/approve", token=staff_token_without_permissions), 403, None),
        (api.post_json(f"{base}/receive", {}, token=owner_token), 409, "illegal_return_transition"),
        (api.post_json(f"{base}/refund", token=owner_token), 409, "illegal_return_transition"),
        (api.post_json(f"{base}/approve", {"note": "x" * 5001}, token=owner_token), 422, None),
        (api.post_json(f"{base}/approve", {"nope": 1}, token=owner_token), 422, None),
        (api.post_json(f"{nope}/approve", token=owner_token), 404, "return_not_found"),
        (api.post_json(f"{not_a_return}/approve", token=owner_token), 404, "return_not_found"),
    ]  # fmt: skip
    for response, status, code in checks:
        assert response.status_code == status, response.json()
        if code:
            assert response.json()["code"] == code
    assert db_state() == before

    rejected = api.post_json(f"{base}/reject", {"note": "Outside 30 days"}, token=owner_token)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"


def test_the_admin_return_list_filters_pages_and_runs_constant_queries(
    api, owner_token, staff_actor, django_assert_max_num_queries
):
    placed = make_order(lines=[("5.00", 3), ("6.00", 3)])
    pay(placed.order)
    deliver_all(placed, staff_actor)
    a, b = lines_of(placed.order)
    made = [
        request_return(
            order=placed.order,
            lines=[ReturnItem(a, 1, ""), ReturnItem(b, 1, "")],
            actor=staff_actor,
        )
        for _ in range(3)
    ]
    approve_return(order_return=made[0], actor=staff_actor)
    url = "/api/admin/returns"

    with django_assert_max_num_queries(5):
        page = api.get_json(url, {"limit": 2}, token=owner_token)
    assert page.status_code == 200
    assert [r["number"] for r in page.json()["items"]] == [3, 2]
    assert len(page.json()["items"][0]["lines"]) == 2
    with django_assert_max_num_queries(5):
        rest = api.get_json(url, {"limit": 2, "cursor": page.json()["next"]}, token=owner_token)
    assert [r["number"] for r in rest.json()["items"]] == [1] and rest.json()["next"] is None
    with django_assert_max_num_queries(5):
        full = api.get_json(url, {"limit": 100}, token=owner_token)
    assert len(full.json()["items"]) == 3

    approved = api.get_json(url, {"status": "approved"}, token=owner_token)
    assert [r["number"] for r in approved.json()["items"]] == [1]
    of_order = api.get_json(url, {"order": str(placed.order.public_id)}, token=owner_token)
    assert len(of_order.json()["items"]) == 3
    bad = api.get_json(url, {"status": "lost"}, token=owner_token)
    assert bad.status_code == 422
    assert api.get_json(url, {"cursor": "!!"}, token=owner_token).json()["code"] == "invalid_cursor"
    per_order = api.get_json(
        f"/api/admin/orders/{placed.order.public_id}/returns", token=owner_token
    )
    assert [r["number"] for r in per_order.json()] == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_of_a_return_pay_it_back_once(owner):
    from django.db import connection

    from mercato.inventory.tests.test_concurrency import outcomes, run_together

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory SQLite test database cannot wait for a concurrent writer")
    actor = Actor(user_id=owner.pk, label=owner.email)
    placed = make_order()
    pay(placed.order)
    order = deliver_all(placed, actor)
    tee, _ = lines_of(order)
    r = request_return(order=order, lines=[ReturnItem(tee, 2, "")], actor=SHOPPER)
    approve_return(order_return=r, actor=actor)
    receive_return(order_return=r, actor=actor)

    results = run_together(4, lambda _: refund_return(order_return=r, actor=actor))

    assert outcomes(results) == {"ok": 1, "IllegalReturnTransition": 3}
    order.refresh_from_db()
    assert order.total_refunded == D("40.00")
    assert Transaction.objects.filter(kind="refund").count() == 1


def test_the_store_return_list_runs_constant_queries(
    api, delivered, staff_actor, django_assert_max_num_queries
):
    order = delivered.order
    tee, cap = lines_of(order)
    url = f"/api/store/orders/{order.public_id}/returns"
    guest = {"X-Order-Token": order.guest_token}
    counts = []
    for line in (tee, cap):
        request_return(order=order, lines=[ReturnItem(line, 1, "")], actor=SHOPPER)
        with django_assert_max_num_queries(3) as queries:
            shown = api.get_json(url, headers=guest)
        counts.append(len(queries))
        assert shown.status_code == 200
    assert len(shown.json()) == 2
    assert counts[0] == counts[1]
