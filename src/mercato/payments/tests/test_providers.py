"""What each test card token and the manual provider do, through the services."""

from decimal import Decimal

import pytest

from mercato.core.errors import DomainError
from mercato.core.models import Event
from mercato.orders.models import OrderEvent
from mercato.payments import services
from mercato.payments.models import Payment, SimulatedCharge, Transaction
from tests.support import run_tasks


def _refresh(*objs):
    for obj in objs:
        obj.refresh_from_db()


def test_visa_is_authorised_and_captured_at_once(order):
    payment = services.start_payment(order=order, provider="test", token="tok_visa")
    _refresh(payment, order)
    assert payment.status == Payment.Status.CAPTURED
    assert payment.amount == payment.captured_amount == Decimal("59.90")
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
    assert order.payment_status == "charged"
    assert order.total_charged == Decimal("59.90")
    assert order.amount_due == 0
    kinds = list(payment.transactions.order_by("id").values_list("kind", "success"))
    assert kinds == [("authorize", True), ("capture", True)]
    types = set(order.events.values_list("type", flat=True))
    assert {OrderEvent.Type.PAYMENT_AUTHORIZED, OrderEvent.Type.PAYMENT_CAPTURED} <= types
    captured = Event.objects.get(name="payment.captured")
    assert captured.payload == {
        "order_id": order.pk,
        "payment_id": payment.pk,
        "amount": "59.90",
        "currency": "EUR",
    }


def test_visa_without_auto_capture_is_only_authorised(order, manual_capture):
    payment = services.start_payment(order=order, provider="test", token="tok_mastercard")
    _refresh(order)
    assert payment.status == Payment.Status.AUTHORIZED
    assert payment.card_brand == "mastercard"
    assert order.payment_status == "authorized"
    assert order.total_authorized == Decimal("59.90")
    assert order.total_charged == 0


@pytest.mark.parametrize(
    ("token", "code"),
    [("tok_declined", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")],
)
def test_failing_tokens_fail_the_payment_and_the_order_may_pay_again(order, token, code):
    payment = services.start_payment(order=order, provider="test", token=token)
    _refresh(order)
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_code == code
    assert payment.captured_amount == 0
    assert order.payment_status == "failed"
    assert order.total_charged == 0
    failed = Event.objects.get(name="payment.failed")
    assert failed.payload == {"order_id": order.pk, "payment_id": payment.pk, "reason": code}
    assert payment.transactions.get().success is False
    assert order.events.filter(type=OrderEvent.Type.PAYMENT_FAILED).count() == 1

    retry = services.start_payment(order=order, provider="test", token="tok_visa")
    _refresh(order)
    assert retry.status == Payment.Status.CAPTURED
    assert retry.amount == Decimal("59.90")  # the failed attempt does not count
    assert order.payment_status == "charged"


def test_3ds_needs_confirmation_then_is_captured(order):
    payment = services.start_payment(order=order, provider="test", token="tok_3ds")
    _refresh(order)
    assert payment.status == Payment.Status.ACTION_REQUIRED
    assert payment.action["type"] == "three_d_secure"
    assert order.payment_status == "pending"
    assert Event.objects.filter(name="payment.action_required").count() == 1

    services.confirm_payment(payment=payment, data={"authentication": "complete"})
    _refresh(payment, order)
    assert payment.status == Payment.Status.CAPTURED
    assert payment.action is None
    assert order.payment_status == "charged"

    # confirming again changes nothing
    again = services.confirm_payment(payment=payment, data={"authentication": "fail"})
    assert again.status == Payment.Status.CAPTURED
    assert payment.transactions.filter(kind="authorize").count() == 2  # attempt + confirm


def test_3ds_failed_authentication_fails_the_payment(order):
    payment = services.start_payment(order=order, provider="test", token="tok_3ds")
    services.confirm_payment(payment=payment, data={"authentication": "fail"})
    _refresh(payment, order)
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_code == "authentication_failed"
    assert order.payment_status == "failed"


def test_3ds_bad_confirmation_is_refused_and_changes_nothing(order):
    payment = services.start_payment(order=order, provider="test", token="tok_3ds")
    with pytest.raises(DomainError) as caught:
        services.confirm_payment(payment=payment, data={"authentication": "maybe"})
    assert caught.value.code == "invalid_confirmation"
    _refresh(payment)
    assert payment.status == Payment.Status.ACTION_REQUIRED
    assert payment.transactions.count() == 1


def test_abandoned_3ds_is_replaced_by_a_new_attempt(order):
    first = services.start_payment(order=order, provider="test", token="tok_3ds")
    second = services.start_payment(order=order, provider="test", token="tok_visa")
    _refresh(first, order)
    assert first.status == Payment.Status.VOIDED
    assert second.status == Payment.Status.CAPTURED
    assert order.payment_status == "charged"
    assert SimulatedCharge.objects.get(reference=first.provider_reference).status == "voided"
    with pytest.raises(DomainError) as caught:
        services.confirm_payment(payment=first, data={"authentication": "complete"})
    assert caught.value.code == "payment_not_confirmable"


def test_async_token_is_confirmed_by_the_processors_webhook(order):
    payment = services.start_payment(order=order, provider="test", token="tok_async")
    _refresh(order)
    assert payment.status == Payment.Status.PENDING
    assert order.payment_status == "pending"

    run_tasks()  # the processor settles the charge and posts a signed webhook

    _refresh(payment, order)
    assert payment.status == Payment.Status.CAPTURED
    assert order.payment_status == "charged"
    assert order.total_charged == Decimal("59.90")
    webhook = payment.webhooks.get()
    assert webhook.signature_ok and webhook.processed
    assert webhook.event_type == "charge.authorized"
    assert list(payment.transactions.order_by("id").values_list("kind", flat=True)) == [
        "authorize",
        "webhook",
        "capture",
    ]


def test_async_declined_token_fails_by_webhook(order):
    payment = services.start_payment(order=order, provider="test", token="tok_async_declined")
    run_tasks()
    _refresh(payment, order)
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_code == "card_declined"
    assert order.payment_status == "failed"


def test_async_payment_voided_before_settling_stays_voided(order):
    payment = services.start_payment(order=order, provider="test", token="tok_async")
    services.void_payment(payment=payment)
    run_tasks()
    _refresh(payment, order)
    assert payment.status == Payment.Status.VOIDED
    assert order.payment_status == "not_charged"
    assert not payment.webhooks.exists()  # the processor had nothing to say


def test_unknown_test_token_is_refused_before_anything_is_stored(order):
    with pytest.raises(DomainError) as caught:
        services.start_payment(order=order, provider="test", token="tok_nonsense")
    assert caught.value.code == "invalid_payment_token"
    with pytest.raises(DomainError) as caught:
        services.start_payment(order=order, provider="test", token="")
    assert caught.value.code == "token_required"
    assert not Payment.objects.exists()
    assert not SimulatedCharge.objects.exists()


def test_unknown_or_disabled_provider_is_refused(order, settings):
    with pytest.raises(DomainError) as caught:
        services.start_payment(order=order, provider="paypal", token="x")
    assert (caught.value.code, caught.value.status) == ("unknown_provider", 422)
    settings.PAYMENT_PROVIDERS = ["manual"]
    with pytest.raises(DomainError) as caught:
        services.start_payment(order=order, provider="test", token="tok_visa")
    assert caught.value.code == "unknown_provider"
    assert not Payment.objects.exists()


def test_manual_payment_waits_until_staff_mark_it_paid(order, staff_actor):
    payment = services.start_payment(order=order, provider="manual")
    _refresh(order)
    assert payment.status == Payment.Status.PENDING
    assert order.payment_status == "pending"

    services.mark_paid(payment=payment, amount=Decimal("20.00"), actor=staff_actor, reference="TX1")
    _refresh(payment, order)
    assert payment.status == Payment.Status.PARTIALLY_CAPTURED
    assert order.payment_status == "partially_charged"

    services.mark_paid(payment=payment, actor=staff_actor, reference="TX2")
    _refresh(payment, order)
    assert payment.status == Payment.Status.CAPTURED
    assert payment.captured_amount == Decimal("59.90")
    assert order.payment_status == "charged"
    assert order.events.filter(type=OrderEvent.Type.MARKED_PAID).count() == 2
    assert Event.objects.filter(name="payment.captured").count() == 2

    # a refund of a manual payment is recorded as done by hand
    txn = services.refund_payment(payment=payment, amount=Decimal("9.90"), actor=staff_actor)
    assert txn.success and txn.raw_response["offline"] is True
    _refresh(order)
    assert order.payment_status == "partially_refunded"


def test_mark_paid_is_only_for_manual_payments(order, staff_actor, manual_capture):
    payment = services.start_payment(order=order, provider="test", token="tok_visa")
    with pytest.raises(DomainError) as caught:
        services.mark_paid(payment=payment, actor=staff_actor)
    assert caught.value.code == "payment_not_manual"
    assert Transaction.objects.filter(payment=payment).count() == 1


def test_choosing_card_after_bank_transfer_replaces_the_transfer(order):
    transfer = services.start_payment(order=order, provider="manual")
    card = services.start_payment(order=order, provider="test", token="tok_visa")
    _refresh(transfer, order)
    assert transfer.status == Payment.Status.VOIDED
    assert card.amount == Decimal("59.90")
    assert order.payment_status == "charged"
