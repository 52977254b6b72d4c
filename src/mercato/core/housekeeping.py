"""Periodic chores of the worker: expired idempotency records, events whose dispatch was
lost, old finished task rows; and the chores other apps register in their `chores.py` with
`@chore("name")` (expired stock reservations …)."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mercato.core.events import redispatch_pending_events
from mercato.core.idempotency import prune_idempotency_records

logger = logging.getLogger(__name__)

TASK_RESULT_RETENTION = timedelta(days=7)

_chores: dict[str, Callable[[], int]] = {}


def chore(name: str) -> Callable[[Callable[[], int]], Callable[[], int]]:
    """Register a periodic chore; it returns how many things it handled."""

    def register(func: Callable[[], int]) -> Callable[[], int]:
        _chores[name] = func
        return func

    return register


def run_housekeeping() -> dict[str, int]:
    finished = DBTaskResult.objects.filter(
        finished_at__lt=timezone.now() - TASK_RESULT_RETENTION
    ).delete()[0]
    done = {
        "idempotency_records_pruned": prune_idempotency_records(),
        "events_redispatched": redispatch_pending_events(older_than_seconds=300),
        "task_results_pruned": finished,
    }
    for name, func in sorted(_chores.items()):
        try:
            done[name] = func()
        except Exception:
            logger.exception("Chore %s failed", name)
    logger.info("Housekeeping: %s", done)
    return done
