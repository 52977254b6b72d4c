"""The back office: payment pages open, and the actions call the services."""

from decimal import Decimal

from django.test import Client

from mercato.payments import services
from mercato.payments.models import Transaction
from tests.support import StaffFactory


def staff_client() -> Client:
    client = Client()
    client.force_login(StaffFactory(is_superuser=True))
    return client


def test_payment_pages_open(order):
    payment = services.start_payment(order=order, provider="test", token="tok_visa")
    client = staff_client()
    assert client.get("/admin/payments/payment/").status_code == 200
    assert client.get(f"/admin/payments/payment/{payment.pk}/change/").status_code == 200
    assert client.get("/admin/payments/webhookdelivery/").status_code == 200


def test_actions_capture_and_refund_through_the_services(order, manual_capture):
    payment = services.start_payment(order=order, provider="test", token="tok_visa")
    client = staff_client()
    for name in ("capture_rest", "refund_all", "void_rest"):
        response = client.post(
            "/admin/payments/payment/",
            {"action": name, "_selected_action": [payment.pk]},
            follow=True,
        )
        assert response.status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.captured_amount == payment.refunded_amount == Decimal("59.90")
    assert order.payment_status == "refunded"
    # the void had nothing left: refused with a message, nothing recorded
    assert not Transaction.objects.filter(payment=payment, kind="void").exists()
    assert payment.transactions.first().actor_label  # the staff user, from the admin
