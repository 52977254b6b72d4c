"""Idempotency-Key for every POST of the API, as Stripe's API has it.

The first response to (caller, key) is stored for IDEMPOTENCY_TTL seconds. A replay with the
same method, path and body gets that response again, marked `Idempotent-Replayed: true`, and
runs nothing. The same key with another request is a 422 problem. While the first request
runs, the key is held twice: by a row that a unique constraint guards, and by a lock that ends
with the process holding it (a PostgreSQL session advisory lock, or on SQLite a byte-range lock
on a file beside the database). A concurrent duplicate finds the lock taken and gets a 409
problem instead of running too. A duplicate that takes the lock and still finds the row in
progress knows the request that wrote it died (its worker crashed or was killed), and runs in
its place at once. Server errors (5xx) and rate limits (429) are not stored: the key is freed
so the client can retry.

Stored bodies are encrypted (Fernet) with a key derived from SECRET_KEY, the caller and the
Idempotency-Key itself, so tokens or API keys in a stored response are unreadable from the
database alone: only a replay by the same caller with the same key opens them. Replays carry
`Cache-Control: no-store`.
"""

import base64
import hashlib
import hmac
import logging
import os
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string

from mercato.core.middleware import API_PREFIX
from mercato.core.models import IdempotencyRecord
from mercato.core.problems import problem_response

if TYPE_CHECKING:
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

try:
    import fcntl
except ImportError:  # Windows: no byte-range locks; only this process's requests are seen
    fcntl = None  # type: ignore[assignment]  # the checks below read None as no fcntl

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255

logger = logging.getLogger(__name__)


def _caller(request: HttpRequest) -> str:
    """The caller's identity ("user:12", "app:3", "anonymous:<ip>"), by IDEMPOTENCY_CALLER."""
    caller: str = import_string(settings.IDEMPOTENCY_CALLER)(request)
    return caller


def _fingerprint(request: HttpRequest) -> str:
    """What makes two requests "the same": method, path and body. A file upload is not read
    here (it may be far larger than a JSON body): its length and type stand for it."""
    digest = hashlib.sha256()
    digest.update(cast(str, request.method).encode())  # set on every request served
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


# --- the lock that holds a key while its request runs ------------------------------------
#
# It must end with the process that holds it, so that a retry after a killed worker can run
# at once. PostgreSQL: a session advisory lock on the request's own connection; the server
# drops it when that connection ends, however the process died. SQLite: an exclusive lock on
# one byte (chosen by the key) of a file beside the database; the kernel drops it when the
# process exits. Such a lock belongs to the process, not the thread, so the bytes held by this
# process's requests are kept in a set as well. An in-memory database is private to one
# process: the set is enough.

_held: set[int] = set()  # the SQLite lock bytes this process's requests hold
_held_guard = threading.Lock()
_lock_files: dict[str, int] = {}  # lock file path -> descriptor, opened once per process


def _forget_locks_after_fork() -> None:
    _held.clear()  # byte-range locks are not inherited: the child holds none


os.register_at_fork(after_in_child=_forget_locks_after_fork)

# Takes the lock and, if it got it, inserts the holding row unless one exists, in one
# statement: (lock taken, new row's id or NULL).
_PG_TAKE_AND_INSERT = """
WITH lock AS (SELECT pg_try_advisory_lock(%s) AS taken),
claim AS (
    INSERT INTO {table} ("caller", "key", "fingerprint", "state", "content_type",
                         "created_at", "locked_at")
    SELECT %s, %s, %s, %s, '', %s, %s FROM lock WHERE taken
    ON CONFLICT ("caller", "key") DO NOTHING
    RETURNING "id"
)
SELECT taken, (SELECT "id" FROM claim) FROM lock
"""


def _insert(fields: dict[str, Any]) -> int | None:
    """Insert the holding row; its id, or None if the key has a row already."""
    try:
        with transaction.atomic():
            pk: int = IdempotencyRecord.objects.create(**fields).pk
            return pk
    except IntegrityError:
        return None


class KeyLock:
    """The lock of one (caller, key). `held` tells whether this request has it."""

    def __init__(self, caller: str, key: str) -> None:
        digest = hashlib.sha256(f"idempotency-lock\0{caller}\0{key}".encode()).digest()
        self._lock_id = int.from_bytes(digest[:8], "big", signed=True)  # PostgreSQL bigint
        self._offset = int.from_bytes(digest[:7], "big")  # a byte of the SQLite lock file
        self._release: Callable[[], None] | None = None

    @property
    def held(self) -> bool:
        return self._release is not None

    def take_and_insert(self, fields: dict[str, Any]) -> int | None:
        """Try to take the lock and, if taken, insert the holding row. The new row's id, or
        None: the key has a row already, or someone else holds the lock (see `held`)."""
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(IdempotencyRecord._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    _PG_TAKE_AND_INSERT.format(table=table),
                    [self._lock_id, fields["caller"], fields["key"], fields["fingerprint"],
                     IdempotencyRecord.State.IN_PROGRESS, fields["created_at"],
                     fields["locked_at"]],
                )  # fmt: skip
                row: tuple[bool, int | None] = cursor.fetchone()
                taken, pk = row
            if taken:
                self._release = self._advisory_release(connection.connection)
            return pk
        self._release = self._take_byte()
        return _insert(fields) if self.held else None

    def release(self) -> None:
        if self._release is not None:
            self._release()
            self._release = None

    def _advisory_release(self, session: object) -> Callable[[], None]:
        def release() -> None:
            if connection.connection is not session:
                return  # that session has ended, and its locks with it
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [self._lock_id])
            except DatabaseError:
                # A kept connection must not carry the lock into later requests.
                logger.warning("Could not release an idempotency lock; closing the connection.")
                connection.close()

        return release

    def _take_byte(self) -> Callable[[], None] | None:
        offset = self._offset
        with _held_guard:
            if offset in _held:
                return None
            fd = _lock_file()
            if fd is not None:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
                except OSError:  # another process holds it
                    return None
            _held.add(offset)

        def release() -> None:
            with _held_guard:
                _held.discard(offset)
                if fd is not None:
                    fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)

        return release


def _lock_file() -> int | None:
    """This process's descriptor of the lock file beside the SQLite database (None for an
    in-memory database). It stays open: closing any descriptor of a file drops all of the
    process's locks on it."""
    # not PostgreSQL (take_and_insert), so SQLite's connection
    if fcntl is None or cast("SQLiteDatabaseWrapper", connection).is_in_memory_db():
        return None
    path = f"{connection.settings_dict['NAME']}-idempotency.lock"
    if path not in _lock_files:
        _lock_files[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    return _lock_files[path]


def _busy() -> HttpResponse:
    return problem_response(
        409,
        "idempotency_request_in_progress",
        "A request with this Idempotency-Key is still being processed; retry later.",
        headers={"Retry-After": "1"},
    )


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
        lock = KeyLock(caller, key)
        try:
            claimed = self._claim(caller, key, fingerprint, lock)
            if isinstance(claimed, HttpResponse):
                return claimed
            return self._run(request, caller, key, claimed)
        finally:
            lock.release()

    def _run(self, request: HttpRequest, caller: str, key: str, pk: int) -> HttpResponse:
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=pk).delete()
            raise
        if not _keep(response):
            IdempotencyRecord.objects.filter(pk=pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=pk).update(
            state=IdempotencyRecord.State.COMPLETED,
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=_cipher(caller, key).encrypt(bytes(response.content)),
        )
        return response

    @staticmethod
    def _claim(caller: str, key: str, fingerprint: str, lock: KeyLock) -> int | HttpResponse:
        """Take the key's lock and insert the holding row (its id), or answer from the row
        someone else inserted.

        Every request that writes a row holds the lock until it is done, so a row still in
        progress found while holding the lock was left by a request that died: it is
        replaced. Without the lock, a live request holds the key and nothing is inserted,
        except in place of a row older than IDEMPOTENCY_LOCK_TIMEOUT (a request stuck that
        long no longer holds its key)."""
        now = timezone.now()
        fields = {"caller": caller, "key": key, "fingerprint": fingerprint,
                  "created_at": now, "locked_at": now}  # fmt: skip
        pk = lock.take_and_insert(fields)
        for _ in range(3):
            if pk is not None:
                return pk
            existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
            if existing is None:
                if not lock.held:
                    return _busy()  # the lock's holder is about to write its row
                pk = _insert(fields)  # deleted in between (expired or a 5xx): claim again
                continue
            in_progress = existing.state == IdempotencyRecord.State.IN_PROGRESS
            expired = existing.created_at < now - timedelta(seconds=settings.IDEMPOTENCY_TTL)
            stale = in_progress and existing.locked_at < now - timedelta(
                seconds=settings.IDEMPOTENCY_LOCK_TIMEOUT
            )
            if stale or (lock.held and (expired or in_progress)):
                IdempotencyRecord.objects.filter(
                    pk=existing.pk, locked_at=existing.locked_at
                ).delete()
                pk = _insert(fields)
                continue
            if expired:
                return _busy()  # the lock's holder is replacing it
            if existing.fingerprint != fingerprint:
                return problem_response(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with another request; use a new key.",
                )
            if in_progress:
                return _busy()
            return _replay(existing)
        if pk is not None:
            return pk
        return problem_response(
            409, "idempotency_request_in_progress", "The Idempotency-Key is busy; retry later."
        )


def prune_idempotency_records() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_TTL)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
