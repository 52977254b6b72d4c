"""The roll-ups' PostgreSQL advisory locks (transaction-level; SQLite runs one writer at a
time anyway). In the order a transaction takes them: the whole history (a refresh or a
chore shared, a rebuild exclusive), then days in day order."""

from collections.abc import Iterable
from datetime import date

from django.db import connection

ROLLUP_LOCK = 0x616E  # the first key of the roll-ups' advisory locks ("an")
ALL_DAYS = 0  # the second key that stands for every day (no date has ordinal 0)


def _advisory_lock(day: int, *, shared: bool = False) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite runs one writer at a time anyway
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [ROLLUP_LOCK, day])


def lock_days(days: Iterable[date]) -> None:
    """Make the other refreshes of these days wait until this transaction ends, so that each
    sums the facts the one before it committed (PostgreSQL transaction-level advisory locks,
    in day order: no deadlock). The transaction must hold `lock_history(shared=True)`."""
    for day in sorted(set(days)):
        _advisory_lock(day.toordinal())


def lock_history(*, shared: bool) -> None:
    """Every refresh holds the whole history shared, before it touches a fact; a rebuild
    holds it exclusively, so that the two never interleave."""
    _advisory_lock(ALL_DAYS, shared=shared)


def lock_keys(first: int, keys: Iterable[int]) -> None:
    """Exclusive locks on (first, key) for each key, in key order (no deadlock): one writer
    at a time of what the keys name (a roll-up, customers, cohort months)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [first, key])
