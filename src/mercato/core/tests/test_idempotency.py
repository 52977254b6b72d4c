"""Idempotency-Key on every POST: a replay returns the first answer and runs nothing again."""

import contextlib
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import RequestFactory
from django.utils import timezone

from mercato.accounts.models import AuthSession
from mercato.core.idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyMiddleware,
    KeyLock,
    _fingerprint,
)
from mercato.core.models import IdempotencyRecord
from mercato.core.problems import problem_response
from mercato.core.tests.helpers import assert_problem
from mercato.customers import services as customer_services
from mercato.customers.models import Address
from tests.support import PASSWORD, ApiClient, UserFactory, sign_in

ADDRESSES = "/api/store/me/addresses"
HOME = {"first_name": "Ada", "last_name": "Lovelace", "line1": "1 Main St", "city": "Berlin",
        "country": "DE", "postal_code": "10115"}  # fmt: skip
OFFICE = {**HOME, "line1": "2 Work Rd"}


def post_address(api, token, key, body=HOME):
    return api.post_json(ADDRESSES, body, token=token, headers={"Idempotency-Key": key})


@pytest.fixture
def count_calls(monkeypatch):
    """Count the runs of customers.services.create_address (optionally slowed down)."""
    calls = []
    original = customer_services.create_address

    def install(delay: float = 0.0):
        def counted(**kwargs):
            calls.append(1)
            time.sleep(delay)
            return original(**kwargs)

        monkeypatch.setattr(customer_services, "create_address", counted)
        return calls

    return install


def test_a_replay_returns_the_first_response_and_runs_nothing(api, customer, customer_token,
                                                              count_calls):  # fmt: skip
    calls = count_calls()

    first = post_address(api, customer_token, "k1")
    replay = post_address(api, customer_token, "k1")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert len(calls) == 1
    assert Address.objects.filter(user=customer).count() == 1


def test_a_replayed_error_is_the_same_error(api, customer, customer_token):
    first = post_address(api, customer_token, "k1", {**HOME, "country": "ZZZ"})
    replay = post_address(api, customer_token, "k1", {**HOME, "country": "ZZZ"})

    assert_problem(first, 422, "validation_error")
    assert_problem(replay, 422, "validation_error")
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.content == first.content


def test_without_a_key_every_post_runs(api, customer, customer_token):
    api.post_json(ADDRESSES, HOME, token=customer_token)
    api.post_json(ADDRESSES, HOME, token=customer_token)

    assert Address.objects.filter(user=customer).count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_with_another_body_is_refused(api, customer, customer_token):
    post_address(api, customer_token, "k1", HOME)

    response = post_address(api, customer_token, "k1", OFFICE)

    assert_problem(response, 422, "idempotency_key_reused")
    assert list(Address.objects.filter(user=customer).values_list("line1", flat=True)) == [
        "1 Main St"
    ]


def test_the_same_key_on_another_path_is_refused(api, customer, customer_token):
    post_address(api, customer_token, "k1")

    response = api.post_json(
        "/api/store/auth/logout", token=customer_token, headers={"Idempotency-Key": "k1"}
    )

    assert_problem(response, 422, "idempotency_key_reused")
    assert api.get_json("/api/store/me", token=customer_token).status_code == 200


def test_keys_are_scoped_per_caller(api, customer, customer_token, other_customer):
    other_token = sign_in(other_customer).access_token

    mine = post_address(api, customer_token, "shared-key")
    theirs = post_address(api, other_token, "shared-key")

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert mine.json()["id"] != theirs.json()["id"]
    assert Address.objects.filter(user=customer).count() == 1
    assert Address.objects.filter(user=other_customer).count() == 1


def test_a_server_error_is_not_stored_and_the_key_can_be_retried(
    api, customer, customer_token, monkeypatch
):
    original = customer_services.create_address

    def fail_once(**kwargs):
        monkeypatch.setattr(customer_services, "create_address", original)
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(customer_services, "create_address", fail_once)
    api.raise_request_exception = False

    failed = post_address(api, customer_token, "k1")
    assert not IdempotencyRecord.objects.exists()
    retried = post_address(api, customer_token, "k1")

    assert_problem(failed, 500, "server_error")
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert Address.objects.filter(user=customer).count() == 1


@pytest.mark.parametrize(
    "answer",
    [
        lambda: problem_response(429, "rate_limited", "Slow down.", headers={"Retry-After": "9"}),
        lambda: problem_response(503, "unavailable", "Later."),
    ],
    ids=["429", "503"],
)
def test_responses_that_must_not_be_replayed_free_the_key(db, answer):
    runs = []

    def view(request):
        runs.append(1)
        return answer()

    middleware = IdempotencyMiddleware(view)
    for _ in range(2):
        request = RequestFactory().post(
            "/api/store/auth/login", "{}", content_type="application/json",
            headers={"Idempotency-Key": "k1"},
        )  # fmt: skip
        response = middleware(request)
        assert "Idempotent-Replayed" not in response

    assert len(runs) == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["k" * (MAX_KEY_LENGTH + 1), "   ", "tab\there"])
def test_an_invalid_key_is_refused_and_nothing_runs(api, customer, customer_token, key):
    response = post_address(api, customer_token, key)

    assert_problem(response, 400, "invalid_idempotency_key")
    assert not Address.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_key_of_the_maximum_length_works(api, customer, customer_token):
    key = "k" * MAX_KEY_LENGTH

    post_address(api, customer_token, key)
    replay = post_address(api, customer_token, key)

    assert replay["Idempotent-Replayed"] == "true"
    assert Address.objects.filter(user=customer).count() == 1


def test_an_expired_record_is_not_replayed(api, customer, customer_token, settings):
    post_address(api, customer_token, "k1")
    IdempotencyRecord.objects.update(
        created_at=IdempotencyRecord.objects.get().created_at
        - timedelta(seconds=settings.IDEMPOTENCY_TTL + 1)
    )

    again = post_address(api, customer_token, "k1")

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Address.objects.filter(user=customer).count() == 2


def test_a_record_inside_its_ttl_is_replayed(api, customer, customer_token, settings):
    post_address(api, customer_token, "k1")
    IdempotencyRecord.objects.update(
        created_at=IdempotencyRecord.objects.get().created_at
        - timedelta(seconds=settings.IDEMPOTENCY_TTL - 60)
    )

    again = post_address(api, customer_token, "k1")

    assert again["Idempotent-Replayed"] == "true"
    assert Address.objects.filter(user=customer).count() == 1


def test_other_methods_ignore_the_key(api, customer, customer_token):
    api.get_json(ADDRESSES, token=customer_token, headers={"Idempotency-Key": "k1"})

    assert not IdempotencyRecord.objects.exists()


def in_progress_record(caller: str, key: str, body=HOME) -> IdempotencyRecord:
    """The row a request writes when it claims its key, as a request that died leaves it."""
    request = RequestFactory().post(ADDRESSES, body, content_type="application/json")
    now = timezone.now()
    return IdempotencyRecord.objects.create(
        caller=caller, key=key, fingerprint=_fingerprint(request), created_at=now, locked_at=now
    )


@contextlib.contextmanager
def key_held_elsewhere(caller: str, key: str):
    """The key's lock held by another live request: on PostgreSQL another session, on SQLite
    another request of this process."""
    lock = KeyLock(caller, key)
    if connection.vendor != "postgresql":
        release = lock._take_byte()
        assert release is not None
        try:
            yield
        finally:
            release()
        return
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock._lock_id])
            assert cursor.fetchone()[0], "the key's lock is held already"
        yield
    finally:
        other.close()  # the session ends, and its lock with it


def test_a_key_left_in_progress_by_a_request_that_died_is_free_at_once(
    api, customer, customer_token, count_calls
):
    calls = count_calls()
    in_progress_record(f"user:{customer.pk}", "k1")  # nobody holds its lock

    response = post_address(api, customer_token, "k1")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert len(calls) == 1
    assert IdempotencyRecord.objects.get().state == IdempotencyRecord.State.COMPLETED
    assert post_address(api, customer_token, "k1")["Idempotent-Replayed"] == "true"


def test_a_dead_request_with_another_body_does_not_bind_its_key(api, customer, customer_token):
    in_progress_record(f"user:{customer.pk}", "k1", OFFICE)

    response = post_address(api, customer_token, "k1", HOME)

    assert response.status_code == 201
    assert list(Address.objects.values_list("line1", flat=True)) == ["1 Main St"]


def test_a_key_held_by_a_live_request_is_in_progress(api, customer, customer_token, count_calls):
    calls = count_calls()
    caller = f"user:{customer.pk}"
    in_progress_record(caller, "k1")

    with key_held_elsewhere(caller, "k1"):
        busy = post_address(api, customer_token, "k1")
        other_body = post_address(api, customer_token, "k1", OFFICE)
    after = post_address(api, customer_token, "k1")  # its holder is gone

    assert_problem(busy, 409, "idempotency_request_in_progress")
    assert busy["Retry-After"] == "1"
    assert_problem(other_body, 422, "idempotency_key_reused")
    assert after.status_code == 201
    assert len(calls) == 1


def test_a_held_key_without_its_row_yet_is_in_progress(api, customer, customer_token):
    with key_held_elsewhere(f"user:{customer.pk}", "k1"):
        busy = post_address(api, customer_token, "k1")

    assert_problem(busy, 409, "idempotency_request_in_progress")
    assert not Address.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_live_request_stuck_past_the_lock_timeout_loses_its_key(
    api, customer, customer_token, settings
):
    caller = f"user:{customer.pk}"
    record = in_progress_record(caller, "k1")
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        locked_at=record.locked_at - timedelta(seconds=settings.IDEMPOTENCY_LOCK_TIMEOUT + 1)
    )

    with key_held_elsewhere(caller, "k1"):
        response = post_address(api, customer_token, "k1")

    assert response.status_code == 201
    assert Address.objects.filter(user=customer).count() == 1


def test_a_completed_key_is_replayed_while_its_lock_is_held(api, customer, customer_token):
    first = post_address(api, customer_token, "k1")

    with key_held_elsewhere(f"user:{customer.pk}", "k1"):
        replay = post_address(api, customer_token, "k1")

    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()


def test_the_lock_is_released_after_each_request(api, customer, customer_token, monkeypatch):
    original = customer_services.create_address

    def fail_once(**kwargs):
        monkeypatch.setattr(customer_services, "create_address", original)
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(customer_services, "create_address", fail_once)
    api.raise_request_exception = False
    post_address(api, customer_token, "k1")  # a 500
    post_address(api, customer_token, "k2")  # a 201
    post_address(api, customer_token, "k2")  # a replay

    for key in ("k1", "k2"):
        with key_held_elsewhere(f"user:{customer.pk}", key):
            pass  # fails if the lock is still held


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_never_both_run(count_calls):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the in-memory SQLite test database (shared cache) locks whole tables and fails a "
            "concurrent writer at once ('database table is locked') instead of waiting; "
            "set SQLITE_TEST_NAME to a file to run this on SQLite"
        )
    customer = UserFactory()
    token = sign_in(customer).access_token
    calls = count_calls(delay=0.5)
    requests = 4
    barrier = threading.Barrier(requests)
    responses = []

    def fire():
        try:
            barrier.wait()
            client = ApiClient()
            client.raise_request_exception = False
            responses.append(post_address(client, token, "race"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fire) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(responses) == requests
    assert len(calls) == 1
    assert Address.objects.filter(user=customer).count() == 1
    created = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r]
    assert len(created) == 1
    for response in responses:
        if response is created[0]:
            continue
        if response.status_code == 409:
            assert_problem(response, 409, "idempotency_request_in_progress")
            assert response["Retry-After"]
        else:
            assert response["Idempotent-Replayed"] == "true"
            assert response.json() == created[0].json()


def test_a_stored_response_with_tokens_is_encrypted_and_replays_the_same_tokens(api, customer):
    def login():
        return api.post_json(
            "/api/store/auth/login",
            {"email": customer.email, "password": PASSWORD},
            headers={"Idempotency-Key": "login-1"},
        )

    first = login()
    stored = bytes(IdempotencyRecord.objects.get().body)
    replay = login()

    assert first.status_code == 200
    tokens = first.json()
    assert tokens["refresh_token"].encode() not in stored
    assert tokens["access_token"].encode() not in stored
    assert b"refresh_token" not in stored
    assert replay["Idempotent-Replayed"] == "true"
    assert replay["Cache-Control"] == "no-store"
    assert replay.json() == tokens
    assert AuthSession.objects.filter(user=customer).count() == 1


def test_a_record_unreadable_after_a_secret_key_rotation_is_refused(api, customer, settings):
    body = {"email": customer.email, "password": PASSWORD}
    api.post_json("/api/store/auth/login", body, headers={"Idempotency-Key": "k"})
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40

    replay = api.post_json("/api/store/auth/login", body, headers={"Idempotency-Key": "k"})

    assert replay.status_code == 409
    assert replay.json()["code"] == "idempotency_record_unreadable"


def test_guests_on_different_addresses_never_share_a_key(db):
    first, second = ApiClient(REMOTE_ADDR="203.0.113.1"), ApiClient(REMOTE_ADDR="203.0.113.2")

    one = first.post_json("/api/store/carts", headers={"Idempotency-Key": "1"})
    other = second.post_json("/api/store/carts", headers={"Idempotency-Key": "1"})
    again = first.post_json("/api/store/carts", headers={"Idempotency-Key": "1"})

    assert one.status_code == other.status_code == 201
    assert one.json()["token"] != other.json()["token"]
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["token"] == one.json()["token"]
