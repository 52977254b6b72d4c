"""Payment attempts are rate limited per order and per client IP, against card testing: a
declined card weighs twice. Refused attempts answer 429 with Retry-After and do nothing."""

import pytest

from mercato.accounts.tests.helpers import Clock
from mercato.core import ratelimit
from mercato.payments.models import Payment, Transaction
from tests.support import ApiClient
from tests.support.orders import make_order


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The limiter's clock frozen at the start of an hour: no window rolls over mid-test."""
    fake = Clock(1_700_002_800.0)
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


def pay(client, order, token="tok_3ds", *, forwarded_for=None):
    headers = {"X-Order-Token": order.guest_token}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return client.post_json(
        f"/api/store/orders/{order.public_id}/payments",
        {"provider": "test", "token": token},
        headers=headers,
    )


def payment_state(order):
    order.refresh_from_db()
    return (
        list(Payment.objects.order_by("pk").values_list("pk", "status")),
        Transaction.objects.count(),
        order.payment_status,
        order.events.count(),
    )


def assert_rate_limited(response, *, window=3600):
    assert response.status_code == 429, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= window


def test_payment_attempts_are_limited_per_order(db, settings, clock):
    settings.RATE_LIMIT_PAYMENT_ORDER = (3, 3600)
    order, other = make_order().order, make_order().order
    client = ApiClient()
    for _ in range(3):  # the third attempt is still allowed
        assert pay(client, order).status_code == 201
    before = payment_state(order)

    refused = pay(client, order, token="tok_visa")

    assert_rate_limited(refused)
    assert payment_state(order) == before
    assert pay(client, other, token="tok_visa").status_code == 201  # another order: its own
    clock.advance(int(refused["Retry-After"]))
    assert pay(client, order, token="tok_visa").status_code == 201


def test_a_declined_card_counts_twice(db, settings, clock):
    settings.RATE_LIMIT_PAYMENT_ORDER = (5, 3600)
    order = make_order().order
    client = ApiClient()
    assert pay(client, order, token="tok_declined").status_code == 402  # 2
    assert pay(client, order, token="tok_insufficient_funds").status_code == 402  # 4
    assert pay(client, order).status_code == 201  # 5: allowed
    before = payment_state(order)

    assert_rate_limited(pay(client, order, token="tok_visa"))
    assert payment_state(order) == before


def test_a_declined_3ds_confirmation_counts_too(db, settings, clock):
    settings.RATE_LIMIT_PAYMENT_ORDER = (3, 3600)
    order = make_order().order
    client = ApiClient()
    payment = pay(client, order).json()  # 1
    confirmed = client.post_json(
        f"/api/store/payments/{payment['id']}/confirm",
        {"authentication": "fail"},
        headers={"X-Order-Token": order.guest_token},
    )
    assert confirmed.status_code == 402  # 2
    assert pay(client, order).status_code == 201  # 3

    assert_rate_limited(pay(client, order))


def test_payment_attempts_are_limited_per_client_ip(db, settings, clock):
    settings.RATE_LIMIT_PAYMENT_IP = (2, 3600)
    orders = [make_order().order for _ in range(3)]
    tester, shopper = ApiClient(REMOTE_ADDR="203.0.113.7"), ApiClient(REMOTE_ADDR="198.51.100.1")
    assert pay(tester, orders[0]).status_code == 201
    assert pay(tester, orders[1]).status_code == 201
    before = payment_state(orders[2])

    assert_rate_limited(pay(tester, orders[2], token="tok_visa"))
    assert payment_state(orders[2]) == before
    assert pay(shopper, orders[2], token="tok_visa").status_code == 201


def test_the_ip_limit_uses_the_client_ip_behind_trusted_proxies(db, settings, clock):
    settings.RATE_LIMIT_PAYMENT_IP = (1, 3600)
    settings.TRUSTED_PROXY_COUNT = 1
    orders = [make_order().order for _ in range(3)]
    proxy = ApiClient(REMOTE_ADDR="10.0.0.2")  # every request arrives from the proxy
    assert pay(proxy, orders[0], forwarded_for="203.0.113.7").status_code == 201
    assert pay(proxy, orders[1], forwarded_for="198.51.100.1").status_code == 201

    # a spoofed first hop does not help: the proxy appends the address it saw
    refused = pay(proxy, orders[2], forwarded_for="1.2.3.4, 203.0.113.7")
    assert_rate_limited(refused)


def test_no_payment_limits_when_rate_limits_are_off(db, settings, clock):
    settings.RATE_LIMITS_ENABLED = False
    settings.RATE_LIMIT_PAYMENT_ORDER = (1, 3600)
    settings.RATE_LIMIT_PAYMENT_IP = (1, 3600)
    order = make_order().order
    client = ApiClient()
    for _ in range(3):
        assert pay(client, order, token="tok_declined").status_code == 402
    assert pay(client, order, token="tok_visa").status_code == 201


def test_a_limit_set_off_does_not_count(db, settings, clock):
    settings.RATE_LIMIT_PAYMENT_ORDER = None
    settings.RATE_LIMIT_PAYMENT_IP = None
    order = make_order().order
    client = ApiClient()
    for _ in range(12):
        assert pay(client, order, token="tok_declined").status_code == 402
