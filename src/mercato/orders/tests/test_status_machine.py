"""The two status machines: every move outside ORDER_TRANSITIONS / PAYMENT_TRANSITIONS is
refused with 409 and changes nothing; every allowed move happens once, on the timeline, with
who made it. The derived moves (payment totals, line quantities) go through the same tables."""

import itertools
from decimal import Decimal

import pytest
from django.db import transaction

from mercato.audit.services import Actor
from mercato.core.errors import DomainError
from mercato.core.models import Event
from mercato.orders.models import Order, OrderEvent, OrderLine
from mercato.orders.services.status import (
    ORDER_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    IllegalTransition,
    refresh_fulfilment_status,
    sync_payment_totals,
    transition_order,
    transition_payment,
)
from tests.support.orders import make_order

pytestmark = pytest.mark.django_db
D = Decimal
S, P = Order.Status, Order.PaymentStatus
ACTOR = Actor(user_id=None, label="staff@example.com", source="admin_api")

ORDER_PAIRS = list(itertools.product(S.values, S.values))
PAYMENT_PAIRS = [(a, b) for a, b in itertools.product(P.values, P.values) if a != b]


@pytest.fixture
def order() -> Order:
    return make_order(lines=[("10.00", 2), ("5.00", 1)], shipping="0.00").order


def row(order: Order) -> tuple:
    return tuple(
        Order.objects.filter(pk=order.pk).values_list(
            "status", "payment_status", "cancelled_at", "updated_at",
            "total_authorized", "total_charged", "total_refunded",
        ).get()
    )  # fmt: skip


def history(order: Order) -> tuple[list, list]:
    return (
        list(OrderEvent.objects.filter(order=order).values_list("pk", "type", "data")),
        list(Event.objects.order_by("pk").values_list("pk", "name")),
    )


def put(order: Order, **values) -> Order:
    """Set up a state directly (the machine is what is tested, not how it got there)."""
    Order.objects.filter(pk=order.pk).update(**values)
    order.refresh_from_db()
    return order


@pytest.mark.parametrize(("current", "target"), ORDER_PAIRS)
def test_every_order_move_is_allowed_or_refused_by_the_table(order, current, target):
    order = put(order, status=current)
    before_row, before_history = row(order), history(order)

    if target in ORDER_TRANSITIONS[current]:
        transition_order(order, target, actor=ACTOR, note="why")

        order.refresh_from_db()
        assert order.status == target
        assert (order.cancelled_at is not None) == (target == S.CANCELLED)
        added = OrderEvent.objects.filter(order=order).exclude(
            pk__in=[pk for pk, *_ in before_history[0]]
        )
        assert list(added.values_list("type", "data", "actor_label", "note")) == [
            ("status_changed", {"from": current, "to": target}, ACTOR.label, "why")
        ]
        assert list(
            Event.objects.filter(name="order.status_changed").values_list("payload", flat=True)
        ) == [{"order_id": order.pk, "previous": current, "status": target}]
    else:
        with pytest.raises(IllegalTransition) as caught:
            transition_order(order, target, actor=ACTOR)

        assert (caught.value.code, caught.value.status) == ("illegal_status_transition", 409)
        assert caught.value.extra["allowed"] == sorted(ORDER_TRANSITIONS[current])
        assert order.status == current
        assert row(order) == before_row
        assert history(order) == before_history


@pytest.mark.parametrize(("current", "target"), PAYMENT_PAIRS)
def test_every_payment_move_is_allowed_or_refused_by_the_table(order, current, target):
    order = put(order, payment_status=current)
    before_row, before_history = row(order), history(order)

    if target in PAYMENT_TRANSITIONS[current]:
        transition_payment(order, target, actor=ACTOR)

        order.refresh_from_db()
        assert order.payment_status == target
        event = OrderEvent.objects.filter(order=order).latest("id")
        assert (event.type, event.data, event.actor_label) == (
            "payment_status_changed",
            {"from": current, "to": target},
            ACTOR.label,
        )
        assert len(history(order)[0]) == len(before_history[0]) + 1
        assert Event.objects.filter(name="order.payment_status_changed").count() == 1
    else:
        with pytest.raises(IllegalTransition):
            transition_payment(order, target, actor=ACTOR)

        assert order.payment_status == current
        assert row(order) == before_row
        assert history(order) == before_history


def test_the_tables_know_every_status_and_closed_states_are_final():
    assert set(ORDER_TRANSITIONS) == set(S.values)
    assert set(PAYMENT_TRANSITIONS) == set(P.values)
    assert all(set(targets) <= set(S.values) for targets in ORDER_TRANSITIONS.values())
    assert all(set(targets) <= set(P.values) for targets in PAYMENT_TRANSITIONS.values())
    assert ORDER_TRANSITIONS[S.CANCELLED] == ORDER_TRANSITIONS[S.RETURNED] == frozenset()
    assert PAYMENT_TRANSITIONS[P.REFUNDED] == frozenset()
    assert not any(S.DRAFT in targets for targets in ORDER_TRANSITIONS.values())


def test_moving_a_payment_to_its_own_status_records_nothing(order):
    before = history(order)

    transition_payment(order, P.NOT_CHARGED, actor=ACTOR)

    assert history(order) == before


@pytest.mark.parametrize("transition", [transition_order, transition_payment])
def test_an_unknown_status_is_invalid_input(order, transition):
    before_row, before_history = row(order), history(order)

    with pytest.raises(DomainError) as caught:
        transition(order, "shipped-ish", actor=ACTOR)

    assert (caught.value.code, caught.value.status) == ("invalid_status", 422)
    assert (row(order), history(order)) == (before_row, before_history)


# --- derived moves --------------------------------------------------------------------------


def payment_moves(order: Order) -> list[tuple[str, str]]:
    return [
        (e.data["from"], e.data["to"])
        for e in OrderEvent.objects.filter(order=order, type="payment_status_changed")
    ]


def test_payment_totals_drive_the_payment_status(order):
    total = order.total_gross  # 25.00

    def sync(authorized, charged, refunded, fallback=None):
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            sync_payment_totals(
                locked, authorized=D(authorized), charged=D(charged), refunded=D(refunded),
                fallback=fallback, actor=ACTOR,
            )  # fmt: skip
        return Order.objects.get(pk=order.pk)

    assert sync("0", "0", "0", fallback=P.PENDING).payment_status == P.PENDING
    assert sync(total, "0", "0").payment_status == P.AUTHORIZED
    assert sync(total, "10.00", "0").payment_status == P.PARTIALLY_CHARGED
    charged = sync("0", total, "0")
    assert (charged.payment_status, charged.amount_due) == (P.CHARGED, D("0"))
    assert sync("0", total, "5.00").payment_status == P.PARTIALLY_REFUNDED
    # all that was charged is back, but money still authorised can be captured: not closed
    assert sync("5.00", total, total).payment_status == P.PARTIALLY_REFUNDED
    refunded = sync("0", total, total)
    assert (refunded.payment_status, refunded.total_refunded) == (P.REFUNDED, total)
    assert payment_moves(order) == [
        ("not_charged", "pending"),
        ("pending", "authorized"),
        ("authorized", "partially_charged"),
        ("partially_charged", "charged"),
        ("charged", "partially_refunded"),
        ("partially_refunded", "refunded"),
    ]


def test_a_failed_attempt_and_a_voided_authorisation(order):
    sync_payment_totals(order, authorized=D(0), charged=D(0), refunded=D(0), fallback=P.FAILED)
    assert order.payment_status == P.FAILED
    sync_payment_totals(order, authorized=D("25.00"), charged=D(0), refunded=D(0))
    assert order.payment_status == P.AUTHORIZED
    sync_payment_totals(order, authorized=D(0), charged=D(0), refunded=D(0), fallback=P.NOT_CHARGED)
    assert order.payment_status == P.NOT_CHARGED
    assert order.amount_due == order.total_gross


def test_payment_totals_that_break_the_rules_change_nothing(order):
    sync_payment_totals(order, authorized=D("25.00"), charged=D("25.00"), refunded=D(0))
    before_row, before_history = row(order), history(order)

    with pytest.raises(DomainError) as caught, transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        sync_payment_totals(locked, authorized=D("25.00"), charged=D("10"), refunded=D("10.01"))
    assert caught.value.code == "refund_exceeds_captured"

    # charged money cannot become "authorised" again: the caller's transaction rolls back
    with pytest.raises(IllegalTransition), transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        sync_payment_totals(locked, authorized=D("25.00"), charged=D(0), refunded=D(0))

    assert (row(order), history(order)) == (before_row, before_history)


def set_lines(order: Order, *quantities: tuple[int, int]) -> Order:
    for line, (fulfilled, returned) in zip(order.lines.order_by("id"), quantities, strict=True):
        OrderLine.objects.filter(pk=line.pk).update(
            quantity_fulfilled=fulfilled, quantity_returned=returned
        )
    refresh_fulfilment_status(order, actor=ACTOR)
    return Order.objects.get(pk=order.pk)


def test_line_quantities_drive_the_order_status(order):
    assert set_lines(order, (0, 0), (0, 0)).status == S.UNFULFILLED
    assert set_lines(order, (1, 0), (0, 0)).status == S.PARTIALLY_FULFILLED
    assert set_lines(order, (0, 0), (0, 0)).status == S.UNFULFILLED  # a parcel cancelled
    assert set_lines(order, (2, 0), (1, 0)).status == S.FULFILLED
    assert set_lines(order, (2, 1), (1, 0)).status == S.PARTIALLY_RETURNED
    assert set_lines(order, (2, 2), (1, 1)).status == S.RETURNED
    moves = [
        (e.data["from"], e.data["to"])
        for e in OrderEvent.objects.filter(order=order, type="status_changed")
    ]
    assert moves == [
        ("unfulfilled", "partially_fulfilled"),
        ("partially_fulfilled", "unfulfilled"),
        ("unfulfilled", "fulfilled"),
        ("fulfilled", "partially_returned"),
        ("partially_returned", "returned"),
    ]


@pytest.mark.parametrize("status", [S.CANCELLED, S.DRAFT, S.UNCONFIRMED])
def test_a_closed_or_unconfirmed_order_is_not_refreshed(order, status):
    order = put(order, status=status)
    before_row, before_history = row(order), history(order)

    with pytest.raises(DomainError) as caught:
        refresh_fulfilment_status(order, actor=ACTOR)

    assert (caught.value.code, caught.value.status) == ("order_closed", 409)
    assert (row(order), history(order)) == (before_row, before_history)
