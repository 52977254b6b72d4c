"""Idempotency-Key for every POST of the API, as Stripe's API has it.

The first response to (caller, key) is stored for IDEMPOTENCY_TTL seconds. A replay with the
same method, path and body gets that response again, marked `Idempotent-Replayed: true`, and
runs nothing. The same key with another request is a 422 problem. While the first request
runs, the key is held by a row that a unique constraint guards, so a concurrent duplicate gets
a 409 problem instead of running too. Server errors (5xx) and rate limits (429) are not
stored: the key is freed so the client can retry.

Stored bodies are encrypted (Fernet) with a key derived from SECRET_KEY, the caller and the
Idempotency-Key itself, so tokens or API keys in a stored response are unreadable from the
database alone: only a replay by the same caller with the same key opens them. Replays carry
`Cache-Control: no-store`.
"""

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string

from mercato.core.middleware import API_PREFIX
from mercato.core.models import IdempotencyRecord
from mercato.core.problems import problem_response

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255


def _caller(request: HttpRequest) -> str:
    """The caller's identity ("user:12", "app:3", "anonymous:<ip>"), by IDEMPOTENCY_CALLER."""
    return import_string(settings.IDEMPOTENCY_CALLER)(request)


def _fingerprint(request: HttpRequest) -> str:
    """What makes two requests "the same": method, path and body. A file upload is not read
    here (it may be far larger than a JSON body): its length and type stand for it."""
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/form-data"):
        digest.update(f"{content_type}\0{request.META.get('CONTENT_LENGTH', '')}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _keep(response: HttpResponse) -> bool:
    """Whether a response may be stored for replays."""
    return not (response.status_code >= 500 or response.status_code == 429 or response.streaming)


def _cipher(caller: str, key: str) -> Fernet:
    secret = hmac.new(
        settings.SECRET_KEY.encode(), f"idempotency\0{caller}\0{key}".encode(), hashlib.sha256
    ).digest()
    return Fernet(base64.urlsafe_b64encode(secret))


def _replay(record: IdempotencyRecord) -> HttpResponse:
    try:
        body = _cipher(record.caller, record.key).decrypt(bytes(record.body or b""))
    except InvalidToken:  # SECRET_KEY rotated since: the stored answer cannot be read
        return problem_response(
            409,
            "idempotency_record_unreadable",
            "The stored response for this Idempotency-Key can no longer be read; use a new key.",
        )
    response = HttpResponse(body, status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    response["Cache-Control"] = "no-store"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return problem_response(
                400,
                "invalid_idempotency_key",
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            )
        caller = _caller(request)
        try:
            fingerprint = _fingerprint(request)
        except RequestDataTooBig:
            return problem_response(413, "payload_too_large", "The request body is too large.")
        claimed = self._claim(caller, key, fingerprint)
        if isinstance(claimed, HttpResponse):
            return claimed
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
            raise
        if not _keep(response):
            IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=claimed.pk).update(
            state=IdempotencyRecord.State.COMPLETED,
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=_cipher(caller, key).encrypt(bytes(response.content)),
        )
        return response

    @staticmethod
    def _claim(caller: str, key: str, fingerprint: str) -> IdempotencyRecord | HttpResponse:
        """Insert the holding row, or answer from the row someone else inserted."""
        now = timezone.now()
        for _ in range(3):
            try:
                with transaction.atomic():
                    return IdempotencyRecord.objects.create(
                        caller=caller,
                        key=key,
                        fingerprint=fingerprint,
                        created_at=now,
                        locked_at=now,
                    )
            except IntegrityError:
                pass
            existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
            if existing is None:
                continue  # deleted in between (expired or a 5xx): try to claim again
            expired = existing.created_at < now - timedelta(seconds=settings.IDEMPOTENCY_TTL)
            stale = (
                existing.state == IdempotencyRecord.State.IN_PROGRESS
                and existing.locked_at < now - timedelta(seconds=settings.IDEMPOTENCY_LOCK_TIMEOUT)
            )
            if expired or stale:
                IdempotencyRecord.objects.filter(
                    pk=existing.pk, locked_at=existing.locked_at
                ).delete()
                continue
            if existing.fingerprint != fingerprint:
                return problem_response(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with another request; use a new key.",
                )
            if existing.state == IdempotencyRecord.State.IN_PROGRESS:
                return problem_response(
                    409,
                    "idempotency_request_in_progress",
                    "A request with this Idempotency-Key is still being processed; retry later.",
                    headers={"Retry-After": "1"},
                )
            return _replay(existing)
        return problem_response(
            409, "idempotency_request_in_progress", "The Idempotency-Key is busy; retry later."
        )


def prune_idempotency_records() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_TTL)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
