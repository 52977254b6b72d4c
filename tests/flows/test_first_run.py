"""A new install: the `mercato` commands, run as a user runs them (a real process, the real
settings, system checks on), on a database that has no tables yet.

The test suite builds its own database without system checks, so only this test sees what a
first `make run` sees: a check that reads a table before `migrate` created it crashed every
new install once. On PostgreSQL (DATABASE_URL set) it makes and drops an empty database of its
own; otherwise a new SQLite file."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.conf import settings


def _mercato(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mercato", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a user whose database exists and is empty."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MERCATO_TESTING", "PYTEST"))}
    env.update(MERCATO_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="mercato.settings")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        env.pop("DATABASE_URL", None)
        yield env
        return
    url = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"mercato_first_run_{uuid.uuid4().hex[:8]}"
    admin = f"host={url['HOST']} port={url['PORT'] or 5432} user={url['USER']} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{url['PASSWORD']}" if url.get("PASSWORD") else ""
    env["DATABASE_URL"] = (
        f"postgres://{url['USER']}{password}@{url['HOST']}:{url['PORT'] or 5432}/{name}"
    )
    try:
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_commands_work_on_an_empty_database(empty_database):
    env = empty_database

    # System checks before any table exists: clean, and no warning either.
    checked = _mercato(env, "check", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stderr
    assert "WARNINGS" not in checked.stdout + checked.stderr

    migrated = _mercato(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    assert "Traceback" not in migrated.stderr

    staff = _mercato(
        env, "createstaff", "--email", "first@example.com", "--generate-password", "--superuser"
    )
    assert staff.returncode == 0, staff.stderr
    assert "Staff account first@example.com created." in staff.stdout

    for command in (["check-stock"], ["rebuild-search-index"], ["ensure-demo-staff"]):
        done = _mercato(env, *command)
        assert done.returncode == 0, f"{command}: {done.stderr}"
        assert "Traceback" not in done.stderr, command
