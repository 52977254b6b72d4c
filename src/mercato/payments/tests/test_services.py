"""Captures, voids, refunds and the order-wide operations: amounts, idempotency, refusals."""

from decimal import Decimal

import pytest

from mercato.audit.models import AuditLogEntry
from mercato.core.errors import DomainError
from mercato.core.models import Event
from mercato.orders.models import OrderEvent
from mercato.payments import services
from mercato.payments.models import Payment, SimulatedCharge, Transaction

D = Decimal


def state(order, *payments):
    """Everything a refused operation must leave alone."""
    order.refresh_from_db()
    rows = []
    for p in payments:
        p.refresh_from_db()
        rows.append((p.status, p.captured_amount, p.refunded_amount, p.voided_amount))
    return (
        rows,
        order.payment_status,
        order.total_authorized,
        order.total_charged,
        order.total_refunded,
        Transaction.objects.count(),
        OrderEvent.objects.filter(order=order).count(),
        Event.objects.count(),
    )


def refused(code, call, order, *payments):
    before = state(order, *payments)
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code
    assert state(order, *payments) == before
    return caught.value


@pytest.fixture
def authorized(order, manual_capture):
    return services.start_payment(order=order, provider="test", token="tok_visa")


def test_partial_captures_add_up(order, authorized, staff_actor):
    services.capture_payment(payment=authorized, amount=D("20.00"), actor=staff_actor)
    authorized.refresh_from_db()
    order.refresh_from_db()
    assert authorized.status == Payment.Status.PARTIALLY_CAPTURED
    assert (order.payment_status, order.total_charged, order.total_authorized) == (
        "partially_charged",
        D("20.00"),
        D("39.90"),
    )
    services.capture_payment(payment=authorized, amount=D("30.00"), actor=staff_actor)
    services.capture_payment(payment=authorized, actor=staff_actor)  # the rest: 9.90
    authorized.refresh_from_db()
    order.refresh_from_db()
    assert authorized.status == Payment.Status.CAPTURED
    assert authorized.captured_amount == D("59.90")
    assert (order.payment_status, order.total_charged, order.total_authorized) == (
        "charged",
        D("59.90"),
        D("0"),
    )
    charge = SimulatedCharge.objects.get(reference=authorized.provider_reference)
    assert charge.captured == D("59.90")  # the processor's books agree
    # staff actions are in the audit log
    assert AuditLogEntry.objects.filter(verb="payment.capture").count() == 3


def test_several_partial_refunds_never_more_than_captured(order, authorized, staff_actor):
    services.capture_payment(payment=authorized, amount=D("50.00"), actor=staff_actor)
    services.refund_payment(payment=authorized, amount=D("10.00"), actor=staff_actor)
    services.refund_payment(payment=authorized, amount=D("15.50"), actor=staff_actor)
    authorized.refresh_from_db()
    order.refresh_from_db()
    assert authorized.refunded_amount == D("25.50")
    assert authorized.status == Payment.Status.PARTIALLY_REFUNDED
    assert (order.payment_status, order.total_refunded) == ("partially_refunded", D("25.50"))
    err = refused(
        "refund_exceeds_captured",
        lambda: services.refund_payment(payment=authorized, amount=D("24.51"), actor=staff_actor),
        order,
        authorized,
    )
    assert err.status == 422 and err.extra["refundable"] == "24.50"
    services.refund_payment(payment=authorized, amount=D("24.50"), actor=staff_actor)
    authorized.refresh_from_db()
    order.refresh_from_db()
    assert authorized.refunded_amount == authorized.captured_amount == D("50.00")
    # 9.90 is still authorised: the payment is not refunded in full yet
    assert authorized.status == Payment.Status.PARTIALLY_REFUNDED
    # all that was charged came back, but 9.90 can still be captured: not closed yet
    assert order.payment_status == "partially_refunded"
    assert Event.objects.filter(name="payment.refunded").count() == 3
    services.capture_payment(payment=authorized, actor=staff_actor)  # the rest: 9.90
    services.refund_payment(payment=authorized, actor=staff_actor)
    authorized.refresh_from_db()
    order.refresh_from_db()
    assert authorized.status == Payment.Status.REFUNDED
    assert (order.payment_status, order.total_charged, order.total_refunded) == (
        "refunded",
        D("59.90"),
        D("59.90"),
    )


def test_refund_before_any_capture_is_refused(order, authorized, staff_actor):
    refused(
        "refund_exceeds_captured",
        lambda: services.refund_payment(payment=authorized, amount=D("1.00"), actor=staff_actor),
        order,
        authorized,
    )


def test_capture_on_a_voided_payment_is_refused(order, authorized, staff_actor):
    services.void_payment(payment=authorized, actor=staff_actor, reason="customer called")
    authorized.refresh_from_db()
    order.refresh_from_db()
    assert authorized.status == Payment.Status.VOIDED
    assert (order.payment_status, order.total_authorized) == ("not_charged", D("0"))
    err = refused(
        "payment_voided",
        lambda: services.capture_payment(payment=authorized, actor=staff_actor),
        order,
        authorized,
    )
    assert err.status == 409
    refused(
        "payment_not_voidable",
        lambda: services.void_payment(payment=authorized, actor=staff_actor),
        order,
        authorized,
    )


def test_void_after_a_partial_capture_releases_the_rest(order, authorized, staff_actor):
    services.capture_payment(payment=authorized, amount=D("40.00"), actor=staff_actor)
    txn = services.void_payment(payment=authorized, actor=staff_actor)
    assert txn.amount == D("19.90")
    authorized.refresh_from_db()
    order.refresh_from_db()
    assert authorized.status == Payment.Status.CAPTURED
    assert authorized.voided_amount == D("19.90")
    assert order.payment_status == "partially_charged"
    assert order.total_authorized == 0
    refused(
        "payment_not_capturable",
        lambda: services.capture_payment(payment=authorized, actor=staff_actor),
        order,
        authorized,
    )


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (D("0"), "invalid_amount"),
        (D("-5"), "invalid_amount"),
        (D("1.001"), "invalid_amount"),
        (D("1e30"), "invalid_amount"),
        (D("NaN"), "invalid_amount"),
        (D("59.91"), "capture_exceeds_authorized"),
    ],
)
def test_bad_capture_amounts_are_refused(order, authorized, staff_actor, amount, code):
    err = refused(
        code,
        lambda: services.capture_payment(payment=authorized, amount=amount, actor=staff_actor),
        order,
        authorized,
    )
    assert err.status == 422


def test_capture_is_idempotent(order, authorized, staff_actor):
    first = services.capture_payment(
        payment=authorized, amount=D("10.00"), actor=staff_actor, idempotency_key="cap-1"
    )
    before = state(order, authorized)
    second = services.capture_payment(
        payment=authorized, amount=D("10.00"), actor=staff_actor, idempotency_key="cap-1"
    )
    assert second.pk == first.pk
    assert state(order, authorized) == before
    assert authorized.captured_amount == D("10.00")
    assert Transaction.objects.filter(payment=authorized, kind="capture").count() == 1
    assert SimulatedCharge.objects.get(reference=authorized.provider_reference).captured == 10
    # the same key for another amount is a mistake, not a replay
    refused(
        "idempotency_key_reused",
        lambda: services.capture_payment(
            payment=authorized, amount=D("11.00"), actor=staff_actor, idempotency_key="cap-1"
        ),
        order,
        authorized,
    )


def test_refund_is_idempotent(order, authorized, staff_actor):
    services.capture_payment(payment=authorized, actor=staff_actor)
    first = services.refund_payment(
        payment=authorized, amount=D("5.00"), actor=staff_actor, idempotency_key="r-1"
    )
    before = state(order, authorized)
    second = services.refund_payment(
        payment=authorized, amount=D("5.00"), actor=staff_actor, idempotency_key="r-1"
    )
    assert second.pk == first.pk
    assert state(order, authorized) == before
    assert authorized.refunded_amount == D("5.00")


def test_start_payment_refusals(order, staff_actor):
    refused(
        "amount_exceeds_due",
        lambda: services.start_payment(
            order=order, provider="test", token="tok_visa", amount=D("59.91")
        ),
        order,
    )
    services.start_payment(order=order, provider="test", token="tok_visa", amount=D("50.00"))
    second = services.start_payment(order=order, provider="test", token="tok_visa")
    assert second.amount == D("9.90")  # what is left
    refused(
        "nothing_to_pay",
        lambda: services.start_payment(order=order, provider="test", token="tok_visa"),
        order,
    )


def test_start_payment_is_idempotent_per_key(order):
    first = services.start_payment(
        order=order, provider="test", token="tok_visa", idempotency_key="pay-1"
    )
    again = services.start_payment(
        order=order, provider="test", token="tok_visa", idempotency_key="pay-1"
    )
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert SimulatedCharge.objects.count() == 1


# --- the two order-wide operations other apps call -------------------------------------


def test_refund_order_spreads_over_payments_newest_first(order, staff_actor):
    older = services.start_payment(
        order=order, provider="test", token="tok_visa", amount=D("30.00")
    )
    newer = services.start_payment(order=order, provider="test", token="tok_visa")
    assert newer.amount == D("29.90")
    txns = services.refund_order(
        order=order, amount=D("35.00"), actor=staff_actor, reason="return", reference="return:abc"
    )
    assert [(t.payment_id, t.amount) for t in txns] == [
        (newer.pk, D("29.90")),
        (older.pk, D("5.10")),
    ]
    order.refresh_from_db()
    assert (order.total_refunded, order.payment_status) == (D("35.00"), "partially_refunded")
    assert {t.reference for t in txns} == {"return:abc"}

    # the same reference again: nothing more, the first result back
    before = state(order, older, newer)
    again = services.refund_order(
        order=order, amount=D("35.00"), actor=staff_actor, reference="return:abc"
    )
    assert [t.pk for t in again] == sorted(t.pk for t in txns)
    assert state(order, older, newer) == before

    refused(
        "refund_exceeds_captured",
        lambda: services.refund_order(
            order=order, amount=D("24.91"), actor=staff_actor, reference="return:def"
        ),
        order,
        older,
        newer,
    )
    assert services.refund_order(order=order, amount=D("0"), actor=staff_actor) == []
    services.refund_order(order=order, amount=D("24.90"), actor=staff_actor, reference="r2")
    order.refresh_from_db()
    assert order.payment_status == "refunded"
    assert order.total_refunded == order.total_charged == D("59.90")


def test_release_order_payments_voids_and_refunds_everything(order, staff_actor, manual_capture):
    captured = services.start_payment(
        order=order, provider="test", token="tok_visa", amount=D("20.00")
    )
    services.capture_payment(payment=captured, amount=D("15.00"), actor=staff_actor)
    services.refund_payment(payment=captured, amount=D("5.00"), actor=staff_actor)
    held = services.start_payment(order=order, provider="test", token="tok_visa", amount=D("10.00"))
    pending = services.start_payment(order=order, provider="test", token="tok_async")
    assert pending.amount == D("29.90")

    services.release_order_payments(order=order, actor=staff_actor, reason="cancelled")

    for p in (captured, held, pending):
        p.refresh_from_db()
    order.refresh_from_db()
    assert (captured.status, captured.refunded_amount, captured.voided_amount) == (
        "refunded",
        D("15.00"),
        D("5.00"),
    )
    assert held.status == pending.status == "voided"
    assert order.total_authorized == 0
    assert order.total_refunded == order.total_charged == D("15.00")
    assert order.payment_status == "refunded"

    # again: nothing left to do
    before = state(order, captured, held, pending)
    services.release_order_payments(order=order, actor=staff_actor)
    assert state(order, captured, held, pending) == before


def test_release_order_payments_on_an_unpaid_order_does_nothing(order, staff_actor):
    services.release_order_payments(order=order, actor=staff_actor)
    order.refresh_from_db()
    assert order.payment_status == "not_charged"
    services.start_payment(order=order, provider="manual")
    services.release_order_payments(order=order, actor=staff_actor)
    order.refresh_from_db()
    assert order.payment_status == "not_charged"
    assert order.payments.get().status == "voided"


def test_voiding_one_authorisation_while_another_is_pending(order, staff_actor, manual_capture):
    held = services.start_payment(order=order, provider="test", token="tok_visa", amount=D("10.00"))
    services.start_payment(order=order, provider="test", token="tok_async")
    order.refresh_from_db()
    assert order.payment_status == "authorized"
    services.void_payment(payment=held, actor=staff_actor)
    order.refresh_from_db()
    assert order.payment_status == "pending"  # through not_charged: the table has no shortcut
