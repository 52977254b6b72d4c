"""Fulfilments: parcels packed from a warehouse take their stock off the shelf through the
inventory services, move created → shipped → delivered (or cancelled, stock back to the very
row it left) and drive the order's status. Refused input changes nothing."""

import pytest
from django.core import mail

from mercato.audit.services import SYSTEM
from mercato.catalog.models import ProductVariant
from mercato.core.errors import DomainError
from mercato.core.models import Event
from mercato.inventory import selectors as inventory
from mercato.inventory.models import Allocation, Stock
from mercato.orders.models import Order, OrderEvent
from mercato.orders.services.fulfilment import (
    ParcelLine,
    cancel_fulfilment,
    create_fulfilment,
    mark_delivered,
    mark_shipped,
    update_tracking,
)
from tests.support import run_tasks, sign_in
from tests.support.orders import make_order, order_warehouse

pytestmark = pytest.mark.django_db


def stock_of(variant, warehouse=None) -> Stock:
    return Stock.objects.get(variant=variant, warehouse=warehouse or order_warehouse())


def refused(code: str, status: int, call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert (caught.value.code, caught.value.status) == (code, status), caught.value
    return caught.value


@pytest.fixture
def placed():
    return make_order(lines=[("20.00", 2), ("15.00", 1)])


def lines_of(order: Order):
    return list(order.lines.order_by("pk"))


# --- creating -------------------------------------------------------------------------------


def test_fulfilling_in_two_parts_takes_stock_and_moves_the_order(placed, staff_actor):
    order = placed.order
    tee, cap = lines_of(order)
    first = create_fulfilment(
        order=order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(tee, 1)],
        carrier="DHL",
        tracking_number="JJD0001",
        tracking_url="https://track.example/JJD0001",
        actor=staff_actor,
    )

    assert first.number == 1 and first.status == "created"
    tee.refresh_from_db()
    assert tee.quantity_fulfilled == 1
    order.refresh_from_db()
    assert order.status == "partially_fulfilled"
    stock = stock_of(placed.variants[0])
    assert (stock.quantity, stock.quantity_allocated) == (99, 1)
    [item] = first.lines.all()
    assert (item.order_line_id, item.stock_id, item.quantity) == (tee.pk, stock.pk, 1)
    event = order.events.get(type=OrderEvent.Type.FULFILLED)
    assert event.actor_label == staff_actor.label
    assert event.data["fulfilment"] == 1
    assert event.data["lines"] == [{"line_id": str(tee.public_id), "sku": tee.sku, "quantity": 1}]
    assert Event.objects.filter(
        name="fulfilment.created", payload__fulfilment_id=first.pk, payload__order_id=order.pk
    ).exists()

    second = create_fulfilment(
        order=order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(tee, 1), ParcelLine(cap, 1)],
        actor=staff_actor,
    )

    assert second.number == 2
    order.refresh_from_db()
    assert order.status == "fulfilled"
    assert [(line.quantity, line.quantity_fulfilled) for line in lines_of(order)] == [
        (2, 2),
        (1, 1),
    ]
    assert (
        stock_of(placed.variants[0]).quantity,
        stock_of(placed.variants[0]).quantity_allocated,
    ) == (98, 0)
    assert (
        stock_of(placed.variants[1]).quantity,
        stock_of(placed.variants[1]).quantity_allocated,
    ) == (99, 0)
    assert not Allocation.objects.filter(order_reference=order.reference).exists()
    assert inventory.verify_ledger() == []
    assert list(order.events.filter(type="status_changed").values_list("data__to", flat=True)) == [
        "partially_fulfilled",
        "fulfilled",
    ]


def test_a_variant_that_does_not_track_stock_ships_without_stock(staff_actor):
    placed = make_order(lines=[("9.00", 3)], allocate=False)
    variant = placed.variants[0]
    variant.track_inventory = False
    variant.save(update_fields=["track_inventory"])
    [line] = lines_of(placed.order)

    fulfilment = create_fulfilment(
        order=placed.order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(line, 3)],
        actor=staff_actor,
    )

    [item] = fulfilment.lines.all()
    assert item.stock is None and item.quantity == 3
    assert stock_of(variant).quantity == 100
    placed.order.refresh_from_db()
    assert placed.order.status == "fulfilled"
    cancel_fulfilment(fulfilment=fulfilment, actor=staff_actor)
    assert stock_of(variant).quantity == 100
    line.refresh_from_db()
    assert line.quantity_fulfilled == 0


def test_a_line_allocated_when_placed_ships_its_allocation_even_if_tracking_stopped_since(
    placed, staff_actor
):
    line = lines_of(placed.order)[0]
    variant = placed.variants[0]
    ProductVariant.objects.filter(pk=variant.pk).update(track_inventory=False)

    create_fulfilment(
        order=placed.order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(line, 2)],
        actor=staff_actor,
    )

    stock = stock_of(variant)
    assert (stock.quantity, stock.quantity_allocated) == (98, 0)  # nothing left held
    assert not Allocation.objects.filter(line_reference=line.reference).exists()
    assert inventory.verify_ledger() == []


def test_an_order_that_must_be_paid_first_is_refused_until_paid(
    placed, staff_actor, settings, db_state
):
    settings.ORDERS_FULFIL_UNPAID = False
    tee, _ = lines_of(placed.order)
    before = db_state()

    error = refused(
        "order_not_paid",
        409,
        create_fulfilment,
        order=placed.order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(tee, 1)],
        actor=staff_actor,
    )

    assert error.extra["payment_status"] == "not_charged"
    assert db_state() == before


# --- refused input changes nothing -----------------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -1, 1_000_001, 10**12])
def test_a_quantity_must_be_in_range(placed, staff_actor, db_state, quantity):
    tee, _ = lines_of(placed.order)
    before = db_state()

    refused(
        "invalid_quantity",
        422,
        create_fulfilment,
        order=placed.order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(tee, quantity)],
        actor=staff_actor,
    )

    assert db_state() == before


def test_more_than_ordered_is_refused_also_after_a_first_part(placed, staff_actor, db_state):
    order = placed.order
    tee, cap = lines_of(order)
    create_fulfilment(
        order=order, warehouse=placed.warehouse, lines=[ParcelLine(tee, 1)], actor=staff_actor
    )
    before = db_state()

    error = refused(
        "fulfil_exceeds_ordered",
        422,
        create_fulfilment,
        order=order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(cap, 1), ParcelLine(tee, 2)],
        actor=staff_actor,
    )

    assert error.extra["left"] == 1
    assert error.extra["errors"][0]["field"] == "lines.1.quantity"
    assert db_state() == before


def test_lines_of_another_order_empty_or_repeated_lines_are_refused(placed, staff_actor, db_state):
    other = make_order(lines=[("5.00", 1)])
    tee, _ = lines_of(placed.order)
    [foreign] = lines_of(other.order)
    before = db_state()

    for lines, code in [
        ([ParcelLine(foreign, 1)], "line_not_in_order"),
        ([ParcelLine(tee, 1), ParcelLine(foreign, 1)], "line_not_in_order"),
        ([], "lines_required"),
        ([ParcelLine(tee, 1), ParcelLine(tee, 1)], "duplicate_line"),
    ]:
        refused(
            code,
            422,
            create_fulfilment,
            order=placed.order,
            warehouse=placed.warehouse,
            lines=lines,
            actor=staff_actor,
        )

    assert db_state() == before


def test_a_warehouse_without_the_lines_stock_is_refused(placed, staff_actor, db_state):
    hamburg = order_warehouse("hamburg")
    tee, _ = lines_of(placed.order)
    before = db_state()

    refused(
        "fulfil_exceeds_allocation",
        422,
        create_fulfilment,
        order=placed.order,
        warehouse=hamburg,
        lines=[ParcelLine(tee, 1)],
        actor=staff_actor,
    )

    assert db_state() == before


def test_a_bad_tracking_url_is_refused(placed, staff_actor, db_state):
    tee, _ = lines_of(placed.order)
    before = db_state()

    for url in ["javascript:alert(1)", "ftp://x.example/1", "not a url", "https://" + "x" * 500]:
        refused(
            "invalid_tracking_url" if len(url) < 500 else "invalid_tracking",
            422,
            create_fulfilment,
            order=placed.order,
            warehouse=placed.warehouse,
            lines=[ParcelLine(tee, 1)],
            tracking_url=url,
            actor=staff_actor,
        )

    assert db_state() == before


def test_unconfirmed_cancelled_and_draft_orders_cannot_be_fulfilled(
    staff_actor, settings, db_state
):
    settings.ORDERS_AUTO_CONFIRM = False
    placed = make_order(lines=[("5.00", 1)])
    [line] = lines_of(placed.order)
    assert placed.order.status == "unconfirmed"
    before = db_state()

    refused(
        "order_not_fulfillable",
        409,
        create_fulfilment,
        order=placed.order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(line, 1)],
        actor=staff_actor,
    )
    assert db_state() == before

    for status in ("cancelled", "draft"):
        Order.objects.filter(pk=placed.order.pk).update(status=status)
        before = db_state()
        refused(
            "order_not_fulfillable",
            409,
            create_fulfilment,
            order=placed.order,
            warehouse=placed.warehouse,
            lines=[ParcelLine(line, 1)],
            actor=staff_actor,
        )
        assert db_state() == before


# --- moves ----------------------------------------------------------------------------------


def test_ship_then_deliver_and_the_customer_gets_the_tracking_email(placed, staff_actor):
    order = placed.order
    tee, cap = lines_of(order)
    fulfilment = create_fulfilment(
        order=order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(tee, 2), ParcelLine(cap, 1)],
        carrier="DHL",
        tracking_number="JJD0042",
        tracking_url="https://track.example/JJD0042",
        actor=staff_actor,
    )
    run_tasks()
    mail.outbox.clear()

    mark_shipped(fulfilment=fulfilment, actor=staff_actor)
    run_tasks()

    fulfilment.refresh_from_db()
    assert fulfilment.status == "shipped" and fulfilment.shipped_at is not None
    [message] = mail.outbox
    assert "JJD0042" in message.body
    assert "https://track.example/JJD0042" in message.body

    mark_delivered(fulfilment=fulfilment, actor=staff_actor)

    fulfilment.refresh_from_db()
    assert fulfilment.status == "delivered" and fulfilment.delivered_at is not None
    assert list(order.events.values_list("type", flat=True)) == [
        "placed",
        "fulfilled",
        "status_changed",
        "email_sent",  # the order confirmation
        "fulfilment_shipped",
        "email_sent",  # shipped, with tracking
        "fulfilment_delivered",
    ]
    names = list(
        Event.objects.filter(name__startswith="fulfilment.")
        .order_by("created_at")
        .values_list("name", flat=True)
    )
    assert names == ["fulfilment.created", "fulfilment.shipped", "fulfilment.delivered"]


def test_illegal_fulfilment_moves_are_refused_with_409(placed, staff_actor, db_state):
    tee, cap = lines_of(placed.order)
    shipped = create_fulfilment(
        order=placed.order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(tee, 1)],
        actor=staff_actor,
    )
    mark_shipped(fulfilment=shipped, actor=staff_actor)
    delivered = create_fulfilment(
        order=placed.order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(tee, 1)],
        actor=staff_actor,
    )
    mark_delivered(fulfilment=delivered, actor=staff_actor)
    cancelled = create_fulfilment(
        order=placed.order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(cap, 1)],
        actor=staff_actor,
    )
    cancel_fulfilment(fulfilment=cancelled, actor=staff_actor)
    before = db_state()

    for call, fulfilment in [
        (mark_shipped, shipped),
        (mark_shipped, delivered),
        (mark_shipped, cancelled),
        (mark_delivered, delivered),
        (mark_delivered, cancelled),
        (cancel_fulfilment, delivered),
        (cancel_fulfilment, cancelled),
    ]:
        error = refused(
            "illegal_fulfilment_transition", 409, call, fulfilment=fulfilment, actor=staff_actor
        )
        fulfilment.refresh_from_db()
        assert error.extra["current"] == fulfilment.status

    refused(
        "illegal_fulfilment_transition",
        409,
        update_tracking,
        fulfilment=cancelled,
        tracking_number="X",
        actor=staff_actor,
    )
    assert db_state() == before


def test_cancelling_a_shipped_parcel_puts_the_stock_back_where_it_was(placed, staff_actor):
    order = placed.order
    tee, cap = lines_of(order)
    fulfilment = create_fulfilment(
        order=order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(tee, 2), ParcelLine(cap, 1)],
        actor=staff_actor,
    )
    mark_shipped(fulfilment=fulfilment, actor=staff_actor)
    order.refresh_from_db()
    assert order.status == "fulfilled"

    cancel_fulfilment(fulfilment=fulfilment, actor=staff_actor, note="Parcel came back")

    fulfilment.refresh_from_db()
    assert fulfilment.status == "cancelled" and fulfilment.cancelled_at is not None
    order.refresh_from_db()
    assert order.status == "unfulfilled"
    assert [line.quantity_fulfilled for line in lines_of(order)] == [0, 0]
    for variant, allocated in zip(placed.variants, [2, 1], strict=True):
        stock = stock_of(variant)
        assert (stock.quantity, stock.quantity_allocated) == (100, allocated)
    held = dict(
        Allocation.objects.filter(order_reference=order.reference).values_list(
            "line_reference", "quantity"
        )
    )
    assert held == {tee.reference: 2, cap.reference: 1}
    assert inventory.verify_ledger() == []
    event = order.events.get(type="fulfilment_cancelled")
    assert event.note == "Parcel came back"
    assert Event.objects.filter(
        name="fulfilment.cancelled", payload__fulfilment_id=fulfilment.pk
    ).exists()

    # the order can be packed again, and numbering goes on
    again = create_fulfilment(
        order=order, warehouse=placed.warehouse, lines=[ParcelLine(tee, 2)], actor=staff_actor
    )
    assert again.number == 2


def test_tracking_can_change_until_cancelled(placed, staff_actor):
    tee, _ = lines_of(placed.order)
    fulfilment = create_fulfilment(
        order=placed.order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(tee, 1)],
        actor=staff_actor,
    )

    update_tracking(
        fulfilment=fulfilment,
        carrier="UPS",
        tracking_number="1Z999",
        tracking_url="https://ups.example/1Z999",
        actor=staff_actor,
    )
    update_tracking(fulfilment=fulfilment, tracking_number="1Z1000", actor=staff_actor)

    fulfilment.refresh_from_db()
    assert (fulfilment.carrier, fulfilment.tracking_number, fulfilment.tracking_url) == (
        "UPS",
        "1Z1000",
        "https://ups.example/1Z999",
    )


# --- over HTTP ------------------------------------------------------------------------------


def admin_url(order: Order, rest: str = "") -> str:
    return f"/api/admin/orders/{order.public_id}{rest}"


def test_staff_fulfil_ship_and_deliver_over_the_api(api, placed, owner_token):
    order = placed.order
    tee, cap = lines_of(order)

    response = api.post_json(
        admin_url(order, "/fulfilments"),
        {
            "warehouse": placed.warehouse.slug,
            "lines": [{"line_id": str(tee.public_id), "quantity": 2}],
            "carrier": "DHL",
            "tracking_number": "JJD1",
            "tracking_url": "https://track.example/JJD1",
        },
        token=owner_token,
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == 1 and body["status"] == "created"
    assert body["warehouse"] == placed.warehouse.slug
    assert body["lines"] == [
        {
            "line_id": str(tee.public_id),
            "sku": tee.sku,
            "product_name": tee.product_name,
            "variant_name": tee.variant_name,
            "quantity": 2,
        }
    ]
    fid = body["id"]

    response = api.patch_json(
        admin_url(order, f"/fulfilments/{fid}"), {"tracking_number": "JJD2"}, token=owner_token
    )
    assert response.status_code == 200 and response.json()["tracking_number"] == "JJD2"
    response = api.post_json(admin_url(order, f"/fulfilments/{fid}/ship"), token=owner_token)
    assert response.status_code == 200 and response.json()["status"] == "shipped"
    response = api.post_json(admin_url(order, f"/fulfilments/{fid}/ship"), token=owner_token)
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_fulfilment_transition"
    response = api.post_json(admin_url(order, f"/fulfilments/{fid}/deliver"), token=owner_token)
    assert response.status_code == 200 and response.json()["status"] == "delivered"
    response = api.post_json(admin_url(order, f"/fulfilments/{fid}/cancel"), token=owner_token)
    assert response.status_code == 409

    second = api.post_json(
        admin_url(order, "/fulfilments"),
        {
            "warehouse": str(placed.warehouse.public_id),
            "lines": [{"line_id": str(cap.public_id), "quantity": 1}],
        },
        token=owner_token,
    )
    assert second.status_code == 201 and second.json()["number"] == 2
    cancelled = api.post_json(
        admin_url(order, f"/fulfilments/{second.json()['id']}/cancel"),
        {"note": "wrong box"},
        token=owner_token,
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"

    listed = api.get_json(admin_url(order, "/fulfilments"), token=owner_token)
    assert [f["status"] for f in listed.json()] == ["delivered", "cancelled"]


NO_LINE = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("line", "quantity", "extra", "status", "code"),
    [
        ("LINE", 3, {}, 422, "fulfil_exceeds_ordered"),
        ("LINE", 0, {}, 422, "validation_error"),
        ("LINE", -2, {}, 422, "validation_error"),
        ("LINE", 10**15, {}, 422, "validation_error"),
        ("LINE", "1", {}, 422, "validation_error"),
        ("LINE", True, {}, 422, "validation_error"),
        ("LINE", 1.0, {}, 422, "validation_error"),
        (None, None, {}, 422, "validation_error"),
        ("FOREIGN", 1, {}, 422, "line_not_in_order"),
        (NO_LINE, 1, {}, 422, "line_not_in_order"),
        ("LINE", 1, {"warehouse": "nowhere"}, 404, "warehouse_not_found"),
        ("LINE", 1, {"tracking_url": "javascript:x"}, 422, "invalid_tracking_url"),
        ("LINE", 1, {"extra": 1}, 422, "validation_error"),
    ],
)
def test_bad_fulfilment_requests_change_nothing(
    api, placed, owner_token, db_state, line, quantity, extra, status, code
):
    tee, _ = lines_of(placed.order)
    foreign = make_order(lines=[("1.00", 1)]).order.lines.get()
    ids = {"LINE": str(tee.public_id), "FOREIGN": str(foreign.public_id)}
    lines = [] if line is None else [{"line_id": ids.get(line, line), "quantity": quantity}]
    before = db_state()

    response = api.post_json(
        admin_url(placed.order, "/fulfilments"),
        {"warehouse": "berlin", "lines": lines, **extra},
        token=owner_token,
    )

    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert db_state() == before


def test_fulfilment_endpoints_need_permission_and_a_real_order(
    api, placed, owner_token, staff_token_without_permissions, db_state
):
    tee, _ = lines_of(placed.order)
    body = {"warehouse": "berlin", "lines": [{"line_id": str(tee.public_id), "quantity": 1}]}
    before = db_state()

    assert api.post_json(admin_url(placed.order, "/fulfilments"), body).status_code == 401
    denied = api.post_json(
        admin_url(placed.order, "/fulfilments"), body, token=staff_token_without_permissions
    )
    assert denied.status_code == 403
    for order_id in ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "10001"]:
        response = api.post_json(
            f"/api/admin/orders/{order_id}/fulfilments", body, token=owner_token
        )
        assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    response = api.post_json(
        admin_url(placed.order, f"/fulfilments/{placed.order.public_id}/ship"), token=owner_token
    )
    assert response.status_code == 404 and response.json()["code"] == "fulfilment_not_found"
    assert db_state() == before


def test_a_parcel_of_another_order_is_not_found_through_this_one(
    api, placed, owner_token, staff_actor
):
    other = make_order(lines=[("1.00", 1)])
    parcel = create_fulfilment(
        order=other.order,
        warehouse=other.warehouse,
        lines=[ParcelLine(other.order.lines.get(), 1)],
        actor=staff_actor,
    )

    response = api.post_json(
        admin_url(placed.order, f"/fulfilments/{parcel.public_id}/ship"), token=owner_token
    )

    assert response.status_code == 404
    parcel.refresh_from_db()
    assert parcel.status == "created"


def test_shoppers_see_their_parcels_with_tracking_and_nobody_else_does(
    api, customer, customer_token, other_customer, staff_actor
):
    placed = make_order(lines=[("20.00", 2)], user=customer)
    order = placed.order
    [line] = lines_of(order)
    parcel = create_fulfilment(
        order=order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(line, 1)],
        carrier="DHL",
        tracking_number="JJD7",
        tracking_url="https://track.example/JJD7",
        actor=staff_actor,
    )
    mark_shipped(fulfilment=parcel, actor=staff_actor)
    dropped = create_fulfilment(
        order=order, warehouse=placed.warehouse, lines=[ParcelLine(line, 1)], actor=staff_actor
    )
    cancel_fulfilment(fulfilment=dropped, actor=SYSTEM)
    url = f"/api/store/orders/{order.public_id}/fulfilments"

    mine = api.get_json(url, token=customer_token)
    as_guest = api.get_json(url, headers={"X-Order-Token": order.guest_token})

    for response in (mine, as_guest):
        assert response.status_code == 200
        [shown] = response.json()
        assert shown["status"] == "shipped"
        assert shown["tracking_url"] == "https://track.example/JJD7"
        assert shown["lines"][0]["quantity"] == 1
    assert api.get_json(url, token=sign_in(other_customer).access_token).status_code == 404
    assert api.get_json(url).status_code == 404
    assert api.get_json(url, headers={"X-Order-Token": "wrong"}).status_code == 404


# --- concurrency ----------------------------------------------------------------------------


@pytest.fixture
def threads_allowed():
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory SQLite test database cannot wait for a concurrent writer")


@pytest.mark.django_db(transaction=True)
def test_concurrent_parcels_of_the_same_units_fulfil_them_once(threads_allowed, owner):
    from mercato.audit.services import Actor
    from mercato.inventory.tests.test_concurrency import outcomes, run_together
    from mercato.orders.tests.conftest import pay

    actor = Actor(user_id=owner.pk, label=owner.email)
    placed = make_order(lines=[("20.00", 2)])
    pay(placed.order)
    [line] = lines_of(placed.order)
    order = placed.order

    def fulfil(_: int):
        return create_fulfilment(
            order=order, warehouse=placed.warehouse, lines=[ParcelLine(line, 2)], actor=actor
        )

    results = run_together(4, fulfil)

    assert outcomes(results) == {"ok": 1, "FulfilExceedsOrdered": 3}
    line.refresh_from_db()
    assert line.quantity_fulfilled == 2
    assert order.fulfilments.count() == 1
    assert (
        stock_of(placed.variants[0]).quantity,
        stock_of(placed.variants[0]).quantity_allocated,
    ) == (98, 0)
    assert inventory.verify_ledger() == []


def test_parcel_lists_run_constant_queries(
    api, owner_token, staff_actor, django_assert_max_num_queries
):
    placed = make_order(lines=[("5.00", 4), ("6.00", 4)])
    order = placed.order
    a, b = lines_of(order)
    store = f"/api/store/orders/{order.public_id}/fulfilments"
    guest = {"X-Order-Token": order.guest_token}
    counts = []
    for _ in range(2):
        create_fulfilment(
            order=order,
            warehouse=placed.warehouse,
            lines=[ParcelLine(a, 1), ParcelLine(b, 1)],
            actor=staff_actor,
        )
        create_fulfilment(
            order=order, warehouse=placed.warehouse, lines=[ParcelLine(a, 1)], actor=staff_actor
        )
        with django_assert_max_num_queries(3) as store_queries:
            shown = api.get_json(store, headers=guest)
        with django_assert_max_num_queries(6) as admin_queries:
            listed = api.get_json(admin_url(order, "/fulfilments"), token=owner_token)
        counts.append((len(store_queries), len(admin_queries)))
        assert shown.status_code == listed.status_code == 200
    assert len(listed.json()) == 4
    assert counts[0] == counts[1]
