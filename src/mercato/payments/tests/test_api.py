"""The payments API over HTTP: shoppers, staff, refusals and query counts."""

from decimal import Decimal

import pytest

from mercato.payments import services
from mercato.payments.models import Payment, Transaction
from tests.support.orders import make_order


@pytest.fixture
def my_order(customer):
    return make_order(user=customer).order


def pay(api, order, body, **kwargs):
    return api.post_json(f"/api/store/orders/{order.public_id}/payments", body, **kwargs)


# --- store ----------------------------------------------------------------------------------


def test_customer_pays_own_order(api, my_order, customer_token):
    response = pay(api, my_order, {"provider": "test", "token": "tok_visa"}, token=customer_token)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "captured"
    assert body["order_id"] == str(my_order.public_id)
    assert body["amount"] == {"amount": "59.90", "currency": "EUR"}
    assert body["captured"] == {"amount": "59.90", "currency": "EUR"}
    assert body["card_last4"] == "4242"
    assert body["action"] is None
    my_order.refresh_from_db()
    assert my_order.payment_status == "charged"


def test_guest_pays_with_the_order_token(api, order):
    response = pay(api, order, {"provider": "manual"}, headers={"X-Order-Token": order.guest_token})
    assert response.status_code == 201
    assert response.json()["status"] == "pending"


def test_someone_elses_order_is_404_and_nothing_changes(
    api, my_order, order, other_customer, customer_token
):
    from tests.support import sign_in

    other_token = sign_in(other_customer).access_token
    response = pay(api, my_order, {"provider": "test", "token": "tok_visa"}, token=other_token)
    assert (response.status_code, response.json()["code"]) == (404, "order_not_found")
    response = pay(api, order, {"provider": "test", "token": "tok_visa"})  # no guest token
    assert response.status_code == 404
    response = pay(
        api, order, {"provider": "test", "token": "tok_visa"}, headers={"X-Order-Token": "x"}
    )
    assert response.status_code == 404
    response = api.post_json(
        "/api/store/orders/not-a-uuid/payments", {"provider": "manual"}, token=customer_token
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_declined_card_is_402_with_the_reason(api, my_order, customer_token):
    response = pay(
        api, my_order, {"provider": "test", "token": "tok_declined"}, token=customer_token
    )
    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "card_declined"
    payment = Payment.objects.get(public_id=body["payment_id"])
    assert payment.status == "failed"
    # paying again with another card works
    response = pay(api, my_order, {"provider": "test", "token": "tok_visa"}, token=customer_token)
    assert response.status_code == 201


def test_3ds_over_http(api, my_order, customer_token, other_customer):
    from tests.support import sign_in

    response = pay(api, my_order, {"provider": "test", "token": "tok_3ds"}, token=customer_token)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "action_required"
    assert body["action"]["type"] == "three_d_secure"
    url = f"/api/store/payments/{body['id']}/confirm"
    # not the order's customer: the payment does not exist for them
    response = api.post_json(
        url, {"authentication": "complete"}, token=sign_in(other_customer).access_token
    )
    assert (response.status_code, response.json()["code"]) == (404, "payment_not_found")
    response = api.post_json(url, {"authentication": "sure"}, token=customer_token)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_confirmation")
    response = api.post_json(url, {"authentication": "complete"}, token=customer_token)
    assert response.status_code == 200
    assert response.json()["status"] == "captured"
    response = api.post_json(
        "/api/store/payments/00000000-0000-0000-0000-000000000000/confirm",
        {"authentication": "complete"},
        token=customer_token,
    )
    assert response.status_code == 404


def test_3ds_failure_over_http_is_402(api, my_order, customer_token):
    body = pay(api, my_order, {"provider": "test", "token": "tok_3ds"}, token=customer_token).json()
    response = api.post_json(
        f"/api/store/payments/{body['id']}/confirm",
        {"authentication": "fail"},
        token=customer_token,
    )
    assert (response.status_code, response.json()["code"]) == (402, "authentication_failed")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"provider": "paypal", "token": "x"}, 422, "unknown_provider"),
        ({"provider": "test", "token": "tok_visa", "amount": "0"}, 422, "invalid_amount"),
        ({"provider": "test", "token": "tok_visa", "amount": "-1"}, 422, "invalid_amount"),
        ({"provider": "test", "token": "tok_visa", "amount": "0.001"}, 422, "invalid_amount"),
        (
            {"provider": "test", "token": "tok_visa", "amount": "99999999999999999999999"},
            422,
            "invalid_amount",
        ),
        ({"provider": "test", "token": "tok_visa", "amount": 1e300}, 422, "invalid_amount"),
        ({"provider": "test", "token": "tok_visa", "amount": "60.00"}, 422, "amount_exceeds_due"),
        ({"provider": "test", "token": "tok_visa", "amount": "ten"}, 422, "validation_error"),
        ({"provider": "test", "token": "tok_visa", "cvc": "123"}, 422, "validation_error"),
        ({"provider": "test", "token": "tok_what"}, 422, "invalid_payment_token"),
        ({"provider": "test"}, 422, "token_required"),
        ({"token": "tok_visa"}, 422, "validation_error"),
        ({"provider": "x" * 31, "token": "tok_visa"}, 422, "validation_error"),
    ],
)
def test_bad_payment_input(api, my_order, customer_token, body, status, code):
    response = pay(api, my_order, body, token=customer_token)
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert not Payment.objects.exists()


def test_a_paid_order_owes_nothing(api, my_order, customer_token):
    pay(api, my_order, {"provider": "test", "token": "tok_visa"}, token=customer_token)
    response = pay(api, my_order, {"provider": "test", "token": "tok_visa"}, token=customer_token)
    assert (response.status_code, response.json()["code"]) == (409, "nothing_to_pay")


def test_idempotency_key_replays_the_payment(api, my_order, customer_token):
    body = {"provider": "test", "token": "tok_visa"}
    headers = {"Idempotency-Key": "pay-once"}
    first = pay(api, my_order, body, token=customer_token, headers=headers)
    second = pay(api, my_order, body, token=customer_token, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Payment.objects.count() == 1


def test_store_list_of_payments(api, my_order, customer_token, django_assert_max_num_queries):
    for token in ("tok_declined", "tok_3ds", "tok_declined"):
        pay(api, my_order, {"provider": "test", "token": token}, token=customer_token)
    url = f"/api/store/orders/{my_order.public_id}/payments"
    with django_assert_max_num_queries(3):  # session, order, page
        response = api.get_json(url, token=customer_token)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [p["status"] for p in items] == ["failed", "voided", "failed"]  # 3DS replaced
    response = api.get_json(url, {"limit": 2}, token=customer_token)
    assert len(response.json()["items"]) == 2 and response.json()["next"]
    assert api.get_json(url).status_code == 404


# --- admin ----------------------------------------------------------------------------------


@pytest.fixture
def authorized(order, settings):
    settings.PAYMENT_AUTO_CAPTURE = False
    return services.start_payment(order=order, provider="test", token="tok_visa")


def test_staff_capture_refund_void_over_http(api, owner_token, authorized):
    base = f"/api/admin/payments/{authorized.public_id}"
    response = api.post_json(f"{base}/capture", {"amount": "20.00"}, token=owner_token)
    assert response.status_code == 200, response.json()
    assert response.json()["kind"] == "capture"
    assert response.json()["amount"] == {"amount": "20.00", "currency": "EUR"}
    response = api.post_json(
        f"{base}/refund", {"amount": "25.00", "reason": "too much"}, token=owner_token
    )
    assert (response.status_code, response.json()["code"]) == (422, "refund_exceeds_captured")
    headers = {"Idempotency-Key": "refund-1"}
    for _ in range(2):
        response = api.post_json(
            f"{base}/refund", {"amount": "5.00"}, token=owner_token, headers=headers
        )
        assert response.status_code == 200
    assert Transaction.objects.filter(payment=authorized, kind="refund").count() == 1
    response = api.post_json(f"{base}/void", {"reason": "rest not needed"}, token=owner_token)
    assert response.status_code == 200
    assert response.json()["amount"]["amount"] == "39.90"
    response = api.post_json(f"{base}/capture", {}, token=owner_token)
    assert (response.status_code, response.json()["code"]) == (409, "payment_not_capturable")
    authorized.refresh_from_db()
    assert (authorized.captured_amount, authorized.refunded_amount) == (
        Decimal("20.00"),
        Decimal("5.00"),
    )
    response = api.get_json(base, token=owner_token)
    assert response.json()["status"] == "partially_refunded"


def test_capture_on_voided_is_409_over_http(api, owner_token, authorized):
    base = f"/api/admin/payments/{authorized.public_id}"
    assert api.post_json(f"{base}/void", {}, token=owner_token).status_code == 200
    response = api.post_json(f"{base}/capture", {"amount": "1.00"}, token=owner_token)
    assert (response.status_code, response.json()["code"]) == (409, "payment_voided")


def test_mark_paid_over_http(api, owner_token, order):
    payment = services.start_payment(order=order, provider="manual")
    response = api.post_json(
        f"/api/admin/payments/{payment.public_id}/mark-paid",
        {"reference": "SEPA 123"},
        token=owner_token,
    )
    assert response.status_code == 200
    assert response.json()["reference"] == "SEPA 123"
    order.refresh_from_db()
    assert order.payment_status == "charged"


def test_admin_needs_permissions(api, staff_token_without_permissions, authorized, customer_token):
    base = f"/api/admin/payments/{authorized.public_id}"
    for token in (staff_token_without_permissions,):
        assert api.get_json(base, token=token).status_code == 403
        assert api.post_json(f"{base}/capture", {}, token=token).status_code == 403
    assert api.post_json(f"{base}/capture", {}).status_code == 401
    assert api.post_json(f"{base}/capture", {}, token=customer_token).status_code == 401
    authorized.refresh_from_db()
    assert authorized.captured_amount == 0


def test_admin_lists_pin_their_queries(
    api, owner_token, order, authorized, django_assert_max_num_queries
):
    for amount in ("1.00", "2.00", "3.00"):
        services.capture_payment(payment=authorized, amount=Decimal(amount))
    services.start_payment(order=make_order().order, provider="manual")
    # staff session, user and group permissions, then the page
    with django_assert_max_num_queries(4):
        response = api.get_json("/api/admin/payments", token=owner_token)
    assert len(response.json()["items"]) == 2
    response = api.get_json("/api/admin/payments", {"status": "pending"}, token=owner_token)
    assert [p["provider"] for p in response.json()["items"]] == ["manual"]
    with django_assert_max_num_queries(5):  # + the order
        response = api.get_json(f"/api/admin/orders/{order.public_id}/payments", token=owner_token)
    assert [p["id"] for p in response.json()["items"]] == [str(authorized.public_id)]
    with django_assert_max_num_queries(5):  # + the payment
        response = api.get_json(
            f"/api/admin/payments/{authorized.public_id}/transactions", token=owner_token
        )
    assert [t["kind"] for t in response.json()["items"]] == [
        "capture",
        "capture",
        "capture",
        "authorize",
    ]
    assert "card" in response.json()["items"][-1]["provider_response"]
    response = api.get_json(
        "/api/admin/orders/00000000-0000-0000-0000-000000000000/payments", token=owner_token
    )
    assert response.status_code == 404
