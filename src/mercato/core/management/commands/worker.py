"""`mercato worker`: run background tasks (emails, event dispatch) from the database queue,
and the periodic housekeeping."""

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from mercato.core.housekeeping import run_housekeeping

logger = logging.getLogger(__name__)
HOUSEKEEPING_INTERVAL = 300


def _housekeeping_loop(stop: threading.Event) -> None:
    while not stop.wait(HOUSEKEEPING_INTERVAL):
        try:
            close_old_connections()
            run_housekeeping()
        except Exception:
            logger.exception("Housekeeping failed")
        finally:
            close_old_connections()


class Command(DBWorkerCommand):
    help = "Run Mercato's background worker: queued tasks and periodic housekeeping."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument(
            "--no-housekeeping", action="store_true", help="Do not run the periodic chores."
        )

    def configure_logging(self, verbosity: int) -> None:
        """Our LOGGING already has a handler; the levels follow -v: 0 errors only, 1 (the
        default) the worker's own lines and failed tasks, 2 every task, 3 debug."""
        levels = {0: logging.ERROR, 1: logging.WARNING, 2: logging.INFO}
        logging.getLogger("django_tasks").setLevel(levels.get(verbosity, logging.DEBUG))
        own = logging.INFO if verbosity >= 1 else logging.ERROR
        logging.getLogger("django_tasks_db").setLevel(own if verbosity < 3 else logging.DEBUG)

    def handle(self, *args: Any, **options: Any) -> None:
        no_housekeeping: bool = options.pop("no_housekeeping", False)
        stop = threading.Event()
        if not no_housekeeping and not options.get("batch"):
            threading.Thread(target=_housekeeping_loop, args=(stop,), daemon=True).start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
