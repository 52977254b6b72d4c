"""The `mercato` command.

mercato run          migrate, load demo data on an empty database, and serve (gunicorn),
                     with a background worker beside it unless --no-worker
mercato worker       run background tasks (emails, events) and housekeeping
mercato createstaff  make a staff account
mercato <command>    any Django management command (migrate, shell, check-stock …)
"""

import argparse
import os
import signal
import subprocess
import sys

import django
from django.conf import settings
from django.core.management import execute_from_command_line
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

MAX_REQUEST_LINE = 8190  # bytes; the OpenAPI document's 414 says so


def _django(*args: str) -> None:
    execute_from_command_line(["mercato", *args])


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercato.settings")


def _say(message: str) -> None:
    print(message, flush=True)


def _database_label() -> str:
    """Where the data lives, without the password: a file path or host/name."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite, {db['NAME']}"
    return f"PostgreSQL, {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _pending_migrations() -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mercato run", description="Migrate and serve Mercato.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "2")),
        help="gunicorn worker processes (WEB_CONCURRENCY, default 2)",
    )
    parser.add_argument("--no-worker", action="store_true", help="Do not start a task worker.")
    parser.add_argument("--no-demo", action="store_true", help="Do not create demo data.")
    parser.add_argument("--reload", action="store_true", help="Restart on code changes.")
    options = parser.parse_args(argv)

    django.setup()
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    _say(f"Database: {_database_label()}")
    pending = _pending_migrations()
    if pending:
        _say(f"Applying {pending} migrations (first start or upgrade)…")
    _django("migrate", "--noinput", "-v", "0")
    _django("collectstatic", "--noinput", "-v", "0")
    if not options.no_demo:
        _django("ensure_demo_staff")
        _django("load_demo_catalog")
        _django("load_demo_inventory")
        _django("load_demo_shipping")
        _django("load_demo_pricing")
        _django("load_demo_history")

    bind = f"{options.host}:{options.port}"
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "mercato.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(options.workers),
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "--control-socket",
        str(settings.VAR_DIR / "gunicorn.ctl"),
        # the longest request line gunicorn takes with a bound (OpenAPI: 414 past it)
        "--limit-request-line",
        str(MAX_REQUEST_LINE),
    ]
    if options.reload:
        gunicorn.append("--reload")
    children = [subprocess.Popen(gunicorn)]  # noqa: S603
    if not options.no_worker:
        worker = [sys.executable, "-m", "mercato", "worker", "--no-startup-delay", "-v", "1"]
        children.append(subprocess.Popen(worker))  # noqa: S603
    print(
        f"Mercato serves on http://{bind}/ — API docs http://{bind}/api/docs, "
        f"back office http://{bind}/admin/",
        flush=True,
    )

    def stop(signum, frame):
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = children[0].wait()
    stop(None, None)
    for child in children[1:]:
        child.wait()
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _setup()
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    if argv[0] == "run":
        return run(argv[1:])
    argv[0] = argv[0].replace("-", "_")  # mercato check-stock == mercato check_stock
    _django(*argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
