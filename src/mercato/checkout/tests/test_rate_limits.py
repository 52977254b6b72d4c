"""Cart creation per client IP and voucher code attempts per cart and per IP are rate limited,
so carts cannot be opened by the thousand and voucher codes cannot be guessed quickly."""

import pytest

from mercato.accounts.tests.helpers import Clock
from mercato.checkout.models import Cart
from mercato.checkout.tests.conftest import CARTS, checkout_state, make_voucher, new_cart, patch
from mercato.core import ratelimit
from tests.support import ApiClient


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The limiter's clock frozen at the start of an hour: no window rolls over mid-test."""
    fake = Clock(1_700_002_800.0)
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


def assert_rate_limited(response, *, window=3600):
    assert response.status_code == 429, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= window


# --- cart creation ---------------------------------------------------------------------------


def test_cart_creation_is_limited_per_client_ip(db, settings, clock):
    settings.RATE_LIMIT_CART_IP = (3, 3600)
    bot, shopper = ApiClient(REMOTE_ADDR="203.0.113.7"), ApiClient(REMOTE_ADDR="198.51.100.1")
    for _ in range(3):  # the third is still allowed
        new_cart(bot)

    refused = bot.post_json(CARTS)

    assert_rate_limited(refused)
    assert Cart.objects.count() == 3
    new_cart(shopper)
    clock.advance(int(refused["Retry-After"]))
    new_cart(bot)


def test_cart_creation_counts_the_client_ip_behind_trusted_proxies(db, settings, clock):
    settings.RATE_LIMIT_CART_IP = (1, 3600)
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = ApiClient(REMOTE_ADDR="10.0.0.2")
    for ip in ("203.0.113.7", "198.51.100.1"):
        assert proxy.post_json(CARTS, headers={"X-Forwarded-For": ip}).status_code == 201

    assert_rate_limited(proxy.post_json(CARTS, headers={"X-Forwarded-For": "203.0.113.7"}))


def test_the_default_cart_limit_lets_a_shop_work(db, clock):
    client = ApiClient()
    for _ in range(20):
        new_cart(client)


# --- voucher codes ---------------------------------------------------------------------------


def test_voucher_attempts_are_limited_per_cart(shop, settings, clock):
    settings.RATE_LIMIT_VOUCHER_CART = (3, 3600)
    make_voucher("REAL10")
    api = ApiClient()
    cart = new_cart(api)
    for code in ("GUESS1", "GUESS2", "REAL10"):  # unknown codes count; the third is allowed
        assert patch(api, cart, {"voucher_code": code}).status_code == 200
    assert patch(api, cart, {"voucher_code": "real10 "}).status_code == 200  # the same: free
    assert patch(api, cart, {"note": "ring twice"}).status_code == 200  # no code: free
    before = checkout_state()

    refused = patch(api, cart, {"voucher_code": "GUESS3", "note": "changed"})

    assert_rate_limited(refused)
    assert checkout_state() == before
    body = patch(api, cart, {"voucher_code": ""}).json()  # removing a code is not an attempt
    assert body["voucher_code"] == ""
    other = new_cart(api)
    assert patch(api, other, {"voucher_code": "REAL10"}).status_code == 200


def test_voucher_attempts_are_limited_per_client_ip(shop, settings, clock):
    settings.RATE_LIMIT_VOUCHER_IP = (4, 3600)
    guesser, shopper = ApiClient(REMOTE_ADDR="203.0.113.7"), ApiClient(REMOTE_ADDR="198.51.100.1")
    carts = [new_cart(guesser) for _ in range(3)]
    for n, cart in enumerate(carts[:2]):  # a fresh cart does not reset the count
        assert patch(guesser, cart, {"voucher_code": f"A{n}"}).status_code == 200
        assert patch(guesser, cart, {"voucher_code": f"B{n}"}).status_code == 200
    before = checkout_state()

    refused = patch(guesser, carts[2], {"voucher_code": "C"})

    assert_rate_limited(refused)
    assert checkout_state() == before
    assert patch(shopper, new_cart(shopper), {"voucher_code": "C"}).status_code == 200


def test_an_unknown_code_shows_as_a_voucher_problem_until_the_limit(shop, settings, clock):
    settings.RATE_LIMIT_VOUCHER_CART = (1, 3600)
    api = ApiClient()
    cart = new_cart(api)
    body = patch(api, cart, {"voucher_code": "NOPE"}).json()
    assert body["voucher_problem"]["code"] == "voucher_not_found"

    assert_rate_limited(patch(api, cart, {"voucher_code": "NOPE2"}))


def test_no_cart_or_voucher_limits_when_rate_limits_are_off(shop, settings, clock):
    settings.RATE_LIMITS_ENABLED = False
    settings.RATE_LIMIT_CART_IP = (1, 3600)
    settings.RATE_LIMIT_VOUCHER_CART = (1, 3600)
    settings.RATE_LIMIT_VOUCHER_IP = (1, 3600)
    api = ApiClient()
    cart = new_cart(api)
    new_cart(api)
    for n in range(3):
        assert patch(api, cart, {"voucher_code": f"GUESS{n}"}).status_code == 200
