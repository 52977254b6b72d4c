"""Progress for long management commands: a bar that redraws itself on a terminal, and a
line every tenth of the way when the output is a file or a pipe (CI logs, `mercato run`
under a process manager)."""

import sys
import time
from typing import TextIO

from django.core.management.base import OutputWrapper


class Progress:
    """`Progress(label, total)`, then `step()` after each unit of work and `done()` at the end."""

    WIDTH = 30

    def __init__(
        self, label: str, total: int, *, stream: TextIO | OutputWrapper | None = None
    ) -> None:
        self.label, self.total, self.count = label, max(total, 0), 0
        self.stream = stream or sys.stdout
        self.interactive = getattr(self.stream, "isatty", lambda: False)()
        self.started = time.monotonic()
        self._reported_tenth = 0

    def step(self, count: int = 1) -> None:
        self.count = min(self.count + count, self.total)
        if self.interactive:
            filled = self.WIDTH * self.count // self.total if self.total else self.WIDTH
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self._write(f"\r{self.label} [{bar}] {self.count}/{self.total}")
            return
        tenth = 10 * self.count // self.total if self.total else 10
        if tenth > self._reported_tenth and self.count < self.total:
            self._reported_tenth = tenth
            self._write(f"{self.label}: {self.count}/{self.total}\n")

    def done(self, summary: str) -> None:
        elapsed = time.monotonic() - self.started
        prefix = "\r\033[K" if self.interactive else ""
        self._write(f"{prefix}{summary} ({elapsed:.1f} s)\n")

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")  # it would add a newline to a "\r" redraw
        else:
            self.stream.write(text)
        self.stream.flush()
