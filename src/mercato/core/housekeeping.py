"""Periodic chores of the worker: expired idempotency records, events whose dispatch was
lost, old finished task rows."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mercato.core.events import redispatch_pending_events
from mercato.core.idempotency import prune_idempotency_records

logger = logging.getLogger(__name__)

TASK_RESULT_RETENTION = timedelta(days=7)


def run_housekeeping() -> dict[str, int]:
    finished = DBTaskResult.objects.filter(
        finished_at__lt=timezone.now() - TASK_RESULT_RETENTION
    ).delete()[0]
    done = {
        "idempotency_records_pruned": prune_idempotency_records(),
        "events_redispatched": redispatch_pending_events(older_than_seconds=300),
        "task_results_pruned": finished,
    }
    logger.info("Housekeeping: %s", done)
    return done
