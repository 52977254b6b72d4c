"""Domain events through an outbox.

A service calls `record_event()` inside its transaction: the event row and the task that will
dispatch it commit (or roll back) with the change itself. The worker then calls each
subscriber registered for the event's name. Subscribers live in each app's `subscribers.py`,
which the core app imports at start-up.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from mercato.core.models import Event

logger = logging.getLogger(__name__)

Subscriber = Callable[[Event], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscriber(*names: str) -> Callable[[Subscriber], Subscriber]:
    """Register the decorated function for the given event names."""

    def register(func: Subscriber) -> Subscriber:
        for name in names:
            if func not in _subscribers[name]:
                _subscribers[name].append(func)
        return func

    return register


def subscribers_for(name: str) -> list[Subscriber]:
    return list(_subscribers.get(name, ()))


def record_event(name: str, **payload: Any) -> Event:
    """Write an event in the caller's transaction and enqueue its dispatch with it."""
    event = Event.objects.create(name=name, payload=payload)
    dispatch_event.enqueue(event_id=str(event.pk))
    return event


@task()
def dispatch_event(event_id: str) -> None:
    """Hand one event to its subscribers, once. Subscribers run in the same transaction that
    marks the event dispatched, so the tasks they enqueue commit with it. A failure is recorded
    and re-raised: the task shows as failed, and the worker's housekeeping dispatches it
    again later (see redispatch_pending_events)."""
    try:
        with transaction.atomic():
            event = Event.objects.select_for_update().filter(pk=event_id).first()
            if event is None or event.dispatched_at is not None:
                return
            for handler in subscribers_for(event.name):
                handler(event)
            Event.objects.filter(pk=event.pk).update(
                dispatched_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
    except Exception as exc:
        logger.exception("A subscriber failed for event %s", event_id)
        Event.objects.filter(pk=event_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


MAX_DISPATCH_ATTEMPTS = 10


def redispatch_pending_events(*, older_than_seconds: int = 60) -> int:
    """Enqueue dispatch again for events left undispatched (a failed subscriber, a lost
    worker), up to MAX_DISPATCH_ATTEMPTS tries; after that an event stays in the back office
    (System → Events) with its last error for staff to look at. Returns how many were
    enqueued."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Event.objects.filter(
            dispatched_at__isnull=True,
            created_at__lt=cutoff,
            attempts__lt=MAX_DISPATCH_ATTEMPTS,
        ).values_list("pk", flat=True)
    )
    for event_id in ids:
        dispatch_event.enqueue(event_id=str(event_id))
    return len(ids)
