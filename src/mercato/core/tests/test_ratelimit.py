"""Cache-backed rate limits and failed-login back-off, on local memory and on a real Redis."""

import time

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection

from mercato.core import ratelimit
from mercato.core.errors import RateLimited

WINDOW = 10**6  # so long that a test never straddles two windows


@pytest.fixture(params=["locmem", "redis"])
def backend(request):
    if request.param == "redis":
        request.getfixturevalue("redis_cache")
    return request.param


@pytest.fixture
def lockout(settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    settings.LOGIN_LOCKOUT_BASE_SECONDS = 30
    settings.LOGIN_LOCKOUT_MAX_SECONDS = 100


def test_hit_raises_after_the_limit(backend):
    for _ in range(3):
        ratelimit.hit("login", "ada@example.com", limit=3, window=WINDOW)

    with pytest.raises(RateLimited) as caught:
        ratelimit.hit("login", "ada@example.com", limit=3, window=WINDOW)

    assert caught.value.code == "rate_limited"
    assert 1 <= caught.value.retry_after <= WINDOW
    assert caught.value.extra["limit"] == 3


def test_counters_are_per_scope_and_identity_and_ignore_case(backend):
    for _ in range(2):
        ratelimit.hit("login", "ada@example.com", limit=2, window=WINDOW)

    ratelimit.hit("login", "bob@example.com", limit=2, window=WINDOW)
    ratelimit.hit("register", "ada@example.com", limit=2, window=WINDOW)
    with pytest.raises(RateLimited):
        ratelimit.hit("login", "  ADA@example.com ", limit=2, window=WINDOW)


def test_a_new_window_starts_a_new_count(backend):
    ratelimit.hit("login", "ada@example.com", limit=1, window=1)
    time.sleep(1.05)

    ratelimit.hit("login", "ada@example.com", limit=1, window=1)


def test_limits_can_be_switched_off(backend, settings):
    settings.RATE_LIMITS_ENABLED = False

    for _ in range(5):
        ratelimit.hit("login", "ada@example.com", limit=1, window=WINDOW)


def test_the_counter_lives_in_redis(redis_cache):
    ratelimit.hit("login", "ada@example.com", limit=3, window=WINDOW)

    keys = get_redis_connection("default").keys(f"{cache.key_prefix}:*rl:login:*")
    assert len(keys) == 1


def locked_for(identity: str) -> int:
    with pytest.raises(RateLimited) as caught:
        ratelimit.check_lockout(identity)
    assert caught.value.code == "account_locked"
    return caught.value.retry_after


def test_lockout_starts_at_the_threshold_and_doubles_up_to_the_cap(backend, lockout):
    for _ in range(2):
        ratelimit.record_failure("ada@example.com")
    ratelimit.check_lockout("ada@example.com")

    periods = []
    for _ in range(4):
        ratelimit.record_failure("ada@example.com")
        periods.append(locked_for("ada@example.com"))

    assert [round(p, -1) for p in periods] == [30, 60, 100, 100]
    ratelimit.check_lockout("bob@example.com")


def test_clearing_failures_lifts_the_lockout(backend, lockout):
    for _ in range(3):
        ratelimit.record_failure("ada@example.com")

    ratelimit.clear_failures("ada@example.com")

    ratelimit.check_lockout("ada@example.com")
    ratelimit.record_failure("ada@example.com")
    ratelimit.check_lockout("ada@example.com")


def test_hit_rate_takes_a_rate_from_the_settings_and_none_is_no_limit(backend):
    for _ in range(2):
        ratelimit.hit_rate("pay", "order-1", (2, WINDOW))
    with pytest.raises(RateLimited):
        ratelimit.hit_rate("pay", "order-1", (2, WINDOW))

    for _ in range(5):
        ratelimit.hit_rate("pay", "order-2", None)
        ratelimit.hit_rate("pay", "", (1, WINDOW))  # no identity (no IP known): not counted


def test_charge_adds_weight_to_the_next_hit(backend):
    ratelimit.hit_rate("pay", "order-1", (3, WINDOW))
    ratelimit.charge("pay", "order-1", (3, WINDOW))  # a decline: 2
    ratelimit.hit_rate("pay", "order-1", (3, WINDOW))  # 3: allowed

    with pytest.raises(RateLimited):
        ratelimit.hit_rate("pay", "order-1", (3, WINDOW))


def test_charge_does_nothing_with_limits_off(backend, settings):
    settings.RATE_LIMITS_ENABLED = False
    ratelimit.charge("pay", "order-1", (1, WINDOW), amount=5)
    settings.RATE_LIMITS_ENABLED = True

    ratelimit.hit_rate("pay", "order-1", (1, WINDOW))
