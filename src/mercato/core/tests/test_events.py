"""The events outbox: events commit or roll back with the change, and reach each subscriber
once, after commit; a failing subscriber leaves the event for a retry."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from mercato.core import events
from mercato.core.events import (
    MAX_DISPATCH_ATTEMPTS,
    dispatch_event,
    record_event,
    redispatch_pending_events,
    subscriber,
)
from mercato.core.models import Event
from tests.support import run_tasks

PING = "test.core.ping"
ECHO = "test.core.echo"

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribe():
    """Register test subscribers; they are removed after the test."""
    registered = []

    def add(name, func):
        subscriber(name)(func)
        registered.append((name, func))
        return func

    yield add
    for name, func in registered:
        events._subscribers[name].remove(func)


@pytest.fixture
def received(subscribe):
    calls = []
    subscribe(PING, lambda event: calls.append((event.pk, event.payload)))
    return calls


def test_a_rolled_back_event_leaves_no_event_and_no_task(received):
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(PING, order=1)
        raise RuntimeError("the change failed")

    assert not Event.objects.exists()
    assert not DBTaskResult.objects.exists()
    assert run_tasks() == 0
    assert received == []


def test_a_committed_event_reaches_its_subscriber_once(received):
    with transaction.atomic():
        event = record_event(PING, order=1)

    assert received == []  # nothing runs before the worker
    run_tasks()
    run_tasks()
    dispatch_event.call(event_id=str(event.pk))

    assert received == [(event.pk, {"order": 1})]
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.attempts == 1
    assert event.last_error == ""
    assert redispatch_pending_events(older_than_seconds=0) == 0


def test_every_subscriber_of_the_name_gets_it_and_others_do_not(received, subscribe):
    others = []
    subscribe(PING, lambda event: others.append(event.name))
    subscribe(ECHO, lambda event: others.append(event.name))

    with transaction.atomic():
        record_event(PING)
    run_tasks()

    assert len(received) == 1
    assert others == [PING]


def test_registering_twice_does_not_deliver_twice(received):
    handler = events.subscribers_for(PING)[0]
    subscriber(PING)(handler)

    with transaction.atomic():
        record_event(PING)
    run_tasks()

    assert len(received) == 1


def test_a_failing_subscriber_leaves_the_event_pending_until_redispatched(subscribe):
    state = {"fail": True, "delivered": 0}

    def flaky(event):
        record_event(ECHO, source=str(event.pk))  # work of the attempt, undone on failure
        if state["fail"]:
            raise RuntimeError("mail relay down")
        state["delivered"] += 1

    subscribe(PING, flaky)
    with transaction.atomic():
        event = record_event(PING)

    run_tasks()

    event.refresh_from_db()
    assert event.dispatched_at is None
    assert event.attempts == 1
    assert event.last_error == "RuntimeError: mail relay down"
    assert not Event.objects.filter(name=ECHO).exists()
    assert DBTaskResult.objects.get().status == "FAILED"

    state["fail"] = False
    assert redispatch_pending_events(older_than_seconds=0) == 1
    run_tasks()

    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.attempts == 2
    assert event.last_error == ""
    assert state["delivered"] == 1
    assert Event.objects.filter(name=ECHO).count() == 1


def test_redispatch_leaves_recent_events_to_their_own_task(received):
    with transaction.atomic():
        record_event(PING)

    assert redispatch_pending_events(older_than_seconds=60) == 0


def test_redispatch_gives_up_after_the_maximum_attempts(received):
    with transaction.atomic():
        event = record_event(PING)
    Event.objects.filter(pk=event.pk).update(attempts=MAX_DISPATCH_ATTEMPTS)

    assert redispatch_pending_events(older_than_seconds=0) == 0
    Event.objects.filter(pk=event.pk).update(attempts=MAX_DISPATCH_ATTEMPTS - 1)
    assert redispatch_pending_events(older_than_seconds=0) == 1
