"""Webhooks: the signature, replays, events out of order, over HTTP."""

import json
import logging
import time
from decimal import Decimal

import pytest

from mercato.core.errors import DomainError
from mercato.payments import services
from mercato.payments.models import Payment, SimulatedCharge, Transaction, WebhookDelivery
from mercato.payments.providers import signing
from mercato.payments.providers.testcard import SIGNATURE_HEADER, event_body

URL = "/api/webhooks/payments/test"
SECRET = "whsec_test_secret"  # conftest sets PAYMENT_TEST_WEBHOOK_SECRET


def event(payment, type_, *, event_id="evt_1", **data):
    charge = SimulatedCharge.objects.get(reference=payment.provider_reference)
    body = {
        "id": event_id,
        "type": type_,
        "created": int(time.time()),
        "data": {
            "charge": charge.reference,
            "amount": str(charge.amount),
            "amount_captured": str(charge.captured),
            "amount_refunded": str(charge.refunded),
            "failure_code": None,
            **data,
        },
    }
    return json.dumps(body).encode()


def post(api, body, *, secret=SECRET, timestamp=None, header=None):
    signature = header if header is not None else signing.sign(secret, body, timestamp=timestamp)
    return api.call("post", URL, raw=body, headers={SIGNATURE_HEADER: signature})


def snapshot(payment):
    payment.refresh_from_db()
    order = payment.order
    order.refresh_from_db()
    return (
        payment.status,
        payment.captured_amount,
        payment.refunded_amount,
        order.payment_status,
        order.total_charged,
        Transaction.objects.count(),
    )


@pytest.fixture
def pending(order):
    return services.start_payment(order=order, provider="test", token="tok_async")


@pytest.mark.parametrize(
    "how",
    ["wrong_secret", "tampered_body", "missing", "garbage", "too_old", "from_the_future"],
)
def test_bad_signature_is_401_logged_and_changes_nothing(api, pending, caplog, how):
    body = event(pending, "charge.authorized")
    kwargs = {}
    if how == "wrong_secret":
        kwargs["secret"] = "not-the-secret"
    elif how == "missing":
        kwargs["header"] = ""
    elif how == "garbage":
        kwargs["header"] = "t=abc,v1=zz,\u00e9"
    elif how == "too_old":
        kwargs["timestamp"] = int(time.time()) - 400
    elif how == "from_the_future":
        kwargs["timestamp"] = int(time.time()) + 400
    before = snapshot(pending)
    if how == "tampered_body":
        header = signing.sign(SECRET, body)
        body = body.replace(b"charge.authorized", b"charge.refunded")
        kwargs["header"] = header
    with caplog.at_level(logging.WARNING, logger="mercato.payments"):
        response = post(api, body, **kwargs)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert snapshot(pending) == before
    delivery = WebhookDelivery.objects.get()
    assert delivery.signature_ok is False and delivery.processed is False
    assert delivery.payload is None  # a forged body is not kept, only its hash
    assert len(delivery.body_sha256) == 64
    assert any("refused" in r.getMessage() for r in caplog.records)


def test_a_replayed_webhook_changes_nothing_the_second_time(api, pending):
    body = event(pending, "charge.authorized")
    SimulatedCharge.objects.filter(reference=pending.provider_reference).update(status="authorized")
    first = post(api, body)
    assert first.status_code == 200, first.json()
    assert first.json()["processed"] is True and first.json()["duplicate"] is False
    after_first = snapshot(pending)
    assert after_first[0] == "captured"
    # the same event again, even freshly signed: acknowledged, ignored
    second = post(api, body)
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert snapshot(pending) == after_first
    assert WebhookDelivery.objects.count() == 1


def test_events_out_of_order_change_nothing(api, order, settings):
    settings.PAYMENT_AUTO_CAPTURE = False
    payment = services.start_payment(order=order, provider="test", token="tok_visa")
    services.capture_payment(payment=payment, amount=Decimal("30.00"))
    services.refund_payment(payment=payment, amount=Decimal("30.00"))
    before = snapshot(payment)
    stale = [
        ("evt_a", "charge.authorized", {}),  # "succeeded" after it was refunded
        ("evt_b", "charge.failed", {"failure_code": "card_declined"}),
        ("evt_c", "charge.captured", {"amount_captured": "30.00"}),  # already known
        ("evt_d", "charge.captured", {"amount_captured": "10.00"}),  # older than we know
        ("evt_e", "charge.refunded", {"amount_refunded": "20.00"}),  # older than we know
        ("evt_f", "charge.captured", {"amount_captured": "99.00"}),  # more than the payment
        ("evt_g", "charge.dispute.created", {}),  # a type we do not act on
    ]
    for event_id, type_, data in stale:
        response = post(api, event(payment, type_, event_id=event_id, **data))
        assert response.status_code == 200
        assert response.json()["processed"] is False, (type_, response.json())
        assert response.json()["outcome"].startswith("ignored")
    assert snapshot(payment) == before
    assert WebhookDelivery.objects.filter(processed=False).count() == len(stale)


def test_a_capture_made_at_the_provider_is_recorded_once(api, order, settings):
    settings.PAYMENT_AUTO_CAPTURE = False
    payment = services.start_payment(order=order, provider="test", token="tok_visa")
    # captured in the processor's dashboard: we learn it by webhook
    SimulatedCharge.objects.filter(reference=payment.provider_reference).update(captured=25)
    body = event(payment, "charge.captured", event_id="evt_cap")
    assert post(api, body).json()["outcome"] == "captured 25.00"
    payment.refresh_from_db()
    assert payment.captured_amount == Decimal("25.00")
    assert payment.status == Payment.Status.PARTIALLY_CAPTURED
    later = event(payment, "charge.captured", event_id="evt_cap_again")
    assert post(api, later).json()["processed"] is False  # same total: nothing new


def test_a_webhook_for_an_unknown_charge_is_acknowledged(api, pending):
    body = event(pending, "charge.authorized", charge="ch_unknown")
    response = post(api, body)
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored: no payment with this reference"


def test_unknown_provider_and_malformed_bodies(api):
    response = api.call("post", "/api/webhooks/payments/nope", raw=b"{}")
    assert (response.status_code, response.json()["code"]) == (404, "unknown_provider")
    body = b'{"not": "an event"}'
    response = post(api, body)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_webhook_payload")
    response = api.call("post", "/api/webhooks/payments/manual", raw=b"{}")
    assert response.status_code == 404


def test_handle_webhook_service_refuses_a_bad_signature(pending):
    charge = SimulatedCharge.objects.get(reference=pending.provider_reference)
    body = event_body(charge, "charge.authorized")
    with pytest.raises(DomainError) as caught:
        services.handle_webhook(provider="test", body=body, headers={SIGNATURE_HEADER: "t=1,v1=00"})
    assert (caught.value.code, caught.value.status) == ("invalid_signature", 401)
    pending.refresh_from_db()
    assert pending.status == Payment.Status.PENDING


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-5.00", "10.001", "1e999999"])
def test_a_signed_webhook_with_a_nonsense_amount_is_422_and_changes_nothing(api, pending, amount):
    before = Payment.objects.values().get(pk=pending.pk)
    body = event(pending, "charge.captured", amount_captured=amount)

    response = post(api, body)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_webhook_payload")
    assert Payment.objects.values().get(pk=pending.pk) == before
