import io
import logging

from mercato.core.management.commands.worker import Command as WorkerCommand
from mercato.core.progress import Progress


def test_progress_in_a_log_prints_a_line_every_tenth():
    out = io.StringIO()
    progress = Progress("Demo catalog", 50, stream=out)
    for _ in range(50):
        progress.step()
    progress.done("Demo catalog: 50 products loaded")

    lines = out.getvalue().splitlines()
    assert lines[:2] == ["Demo catalog: 5/50", "Demo catalog: 10/50"]
    assert len(lines) == 10  # nine tenths, then the summary
    assert lines[-1].startswith("Demo catalog: 50 products loaded (")
    assert "\r" not in out.getvalue()


def test_progress_on_a_terminal_redraws_one_line():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    progress = Progress("Demo catalog", 4, stream=out)
    for _ in range(4):
        progress.step()
    progress.done("done")

    assert out.getvalue().count("\n") == 1
    assert "\rDemo catalog [" + "#" * Progress.WIDTH + "] 4/4" in out.getvalue()


def test_worker_prints_its_own_lines_but_not_every_task_by_default():
    tasks, worker = logging.getLogger("django_tasks"), logging.getLogger("django_tasks_db")
    before = tasks.level, worker.level
    try:
        WorkerCommand().configure_logging(1)
        assert not tasks.isEnabledFor(logging.INFO)  # RUNNING / SUCCESSFUL lines
        assert tasks.isEnabledFor(logging.ERROR)  # a failed task, with its traceback
        assert worker.isEnabledFor(logging.INFO)  # "Starting worker"

        WorkerCommand().configure_logging(2)
        assert tasks.isEnabledFor(logging.INFO)
    finally:
        tasks.setLevel(before[0])
        worker.setLevel(before[1])
