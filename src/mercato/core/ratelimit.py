"""Cache-backed rate limits (fixed windows) and failed-login back-off.

The cache is Django's: local memory by default, Redis when REDIS_URL is set (then the limits
hold across every worker process)."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

from mercato.core.errors import RateLimited


def _key(scope: str, identity: str) -> str:
    digest = hashlib.sha256(identity.strip().lower().encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}"


Rate = tuple[int, int] | None  # (attempts, window in seconds); None: no limit


def _count(key: str, window: int, amount: int = 1) -> int:
    if cache.add(key, amount, timeout=window + 1):
        return amount
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.add(key, amount, timeout=window + 1)
        return amount


def _bucket_key(scope: str, identity: str, window: int) -> str:
    return f"{_key(scope, identity)}:{int(time.time() // window)}"


def hit(scope: str, identity: str, *, limit: int, window: int) -> None:
    """Count one attempt; raise RateLimited when `limit` per `window` seconds is passed."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    count = _count(_bucket_key(scope, identity, window), window)
    if count > limit:
        retry_after = window - int(time.time()) % window
        raise RateLimited(
            "Too many attempts; try again later.", retry_after=retry_after, limit=limit
        )


def hit_rate(scope: str, identity: str, rate: Rate) -> None:
    """`hit` with a rate from the settings (`RATE_LIMIT_*`, parsed by settings.env_rate)."""
    if rate is not None and identity:
        hit(scope, identity, limit=rate[0], window=rate[1])


def charge(scope: str, identity: str, rate: Rate, *, amount: int = 1) -> None:
    """Add `amount` to the current window of a `hit_rate` counter without checking it: an
    attempt that turned out badly (a declined card) weighs more on the next `hit_rate`."""
    if settings.RATE_LIMITS_ENABLED and rate is not None and identity and amount > 0:
        _count(_bucket_key(scope, identity, rate[1]), rate[1], amount)


def check_lockout(identity: str) -> None:
    """Raise while an account is locked out after repeated failed logins."""
    until = cache.get(_key("lockout", identity))
    if until and until > time.time():
        raise RateLimited(
            "Too many failed attempts; this account is locked for a while.",
            code="account_locked",
            retry_after=int(until - time.time()) + 1,
        )


def record_failure(identity: str) -> None:
    """Count a failed login; from the threshold on, lock out for a doubling period."""
    failures_key = _key("failures", identity)
    if not cache.add(failures_key, 1, timeout=settings.LOGIN_LOCKOUT_MAX_SECONDS * 2):
        try:
            failures = cache.incr(failures_key)
        except ValueError:
            cache.add(failures_key, 1, timeout=settings.LOGIN_LOCKOUT_MAX_SECONDS * 2)
            failures = 1
    else:
        failures = 1
    over = failures - settings.LOGIN_LOCKOUT_THRESHOLD
    if over >= 0:
        seconds = min(
            settings.LOGIN_LOCKOUT_BASE_SECONDS * (2 ** min(over, 20)),
            settings.LOGIN_LOCKOUT_MAX_SECONDS,
        )
        cache.set(_key("lockout", identity), time.time() + seconds, timeout=int(seconds) + 1)


def clear_failures(identity: str) -> None:
    cache.delete_many([_key("failures", identity), _key("lockout", identity)])
