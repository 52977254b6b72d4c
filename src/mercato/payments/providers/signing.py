"""Webhook signatures as Stripe makes them: a header `t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>">`. A signature is accepted when one of its `v1` values matches (several are
allowed while a secret is rotated) and its time is within the tolerance either way, which
stops an old delivery from being replayed later."""

import hashlib
import hmac
import time

from mercato.payments.providers.base import InvalidSignature


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The signature header value for `body`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={compute_signature(secret, timestamp, body)}"


def verify(
    secret: str, body: bytes, header: str | None, *, tolerance: int, now: int | None = None
) -> None:
    """Raise InvalidSignature unless `header` signs `body` with `secret`, recently."""
    if not header:
        raise InvalidSignature("The signature header is missing.")
    timestamp, candidates = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature("The signature header is malformed.")
    expected = compute_signature(secret, timestamp, body)
    if not any(
        hmac.compare_digest(expected.encode(), c.encode(errors="replace")) for c in candidates
    ):
        raise InvalidSignature("The signature does not match the body.")
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance:
        raise InvalidSignature("The signature is too old (or from the future).")
