"""Against a real gunicorn: a worker killed mid-request (SIGKILL) frees its Idempotency-Key at
once, and a refused Host header is answered 400 and logged as one line.

The server runs in its own processes, on the test database when it can share it (PostgreSQL,
or SQLite in a file) and otherwise on a SQLite file it migrates itself."""

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from mercato.catalog.csv_io import COLUMNS

pytestmark = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists(), reason="finds the worker serving a request in /proc"
)

IMPORT = "/api/admin/catalog/products/import"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(home: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "MERCATO_HOME": str(home), "DATABASE_URL": database_url,
            "REDIS_URL": "", "DJANGO_SETTINGS_MODULE": "mercato.settings", **extra}  # fmt: skip


def mercato_command(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "mercato", *args],
        env=env, cwd=env["MERCATO_HOME"], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


class Response:
    def __init__(self, sock: socket.socket) -> None:
        raw = http.client.HTTPResponse(sock)
        raw.begin()
        self.status = raw.status
        self.headers = raw.headers
        self.body = raw.read()

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<{self.status} {self.body[:500]!r}>"


class Server:
    """gunicorn with `workers` sync workers on a free port; stderr goes to a file."""

    def __init__(self, home: Path, database_url: str, workers: int = 2, **env: str) -> None:
        self.home = home
        self.port = _free_port()
        self.env = server_env(home, database_url, **env)
        self.stderr_path = home / "gunicorn.err"
        command = [sys.executable, "-m", "gunicorn", "mercato.wsgi:application",
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                   "--timeout", "120", "--control-socket", str(home / "gunicorn.ctl")]  # fmt: skip
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=home, stdout=subprocess.DEVNULL, stderr=stderr
            )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.stderr()
            if len(self.workers()) and self._answers():
                return
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start:\n{self.stderr()}")

    def _answers(self) -> bool:
        try:
            return self.request("GET", "/health/live").status == 200
        except (OSError, http.client.HTTPException):
            return False

    def manage(self, *args: str) -> str:
        return mercato_command(self.env, *args)

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)

    def request(self, method: str, path: str, body: bytes = b"", **headers: str) -> Response:
        """One request on its own connection."""
        with self.connect() as sock:
            sock.sendall(raw_request(method, path, body, **headers))
            return Response(sock)

    def workers(self) -> list[int]:
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    if int(fields[1]) == self.process.pid and fields[0] not in "ZX":
                        children.append(int(entry.name))
        return children

    def worker_serving(self, client: socket.socket) -> int:
        """The worker holding the server end of `client`'s connection."""
        client_port = client.getsockname()[1]
        wanted = f"0100007F:{self.port:04X}", f"0100007F:{client_port:04X}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            inodes = {
                f"socket:[{fields[9]}]"
                for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                if (fields := line.split()) and (fields[1], fields[2]) == wanted
            }
            for pid in self.workers():
                with contextlib.suppress(OSError):
                    fds = Path(f"/proc/{pid}/fd")
                    if any(os.readlink(fd) in inodes for fd in fds.iterdir()):
                        return pid
            time.sleep(0.05)
        raise AssertionError("no worker holds the connection")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.stderr()


def raw_request(method: str, path: str, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Connection: close"]
    headers.setdefault("Host", "127.0.0.1")
    if body or method == "POST":
        headers.setdefault("Content-Length", str(len(body)))
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.fixture
def server_database(transactional_db, tmp_path):
    """A DATABASE_URL for the server and a function running SQL on that database."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user, password = settings["USER"], settings["PASSWORD"] or ""
        host, port = settings["HOST"] or "localhost", settings["PORT"] or 5432
        url = f"postgres://{user}:{password}@{host}:{port}/{settings['NAME']}"

        def query(sql, params=()):
            with connection.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), params)
                return cursor.fetchall()

        yield url, None, query
        return
    if connection.is_in_memory_db():
        path, migrate = tmp_path / "server.sqlite3", True
    else:
        path, migrate = Path(settings["NAME"]), False

    def query(sql, params=()):
        with contextlib.closing(sqlite3.connect(path, timeout=20)) as db:
            return db.execute(sql, params).fetchall()

    yield f"sqlite:///{path}", migrate, query


@pytest.fixture
def server(tmp_path):
    started = []

    def start(database_url: str, **kwargs) -> Server:
        started.append(Server(tmp_path, database_url, **kwargs))
        return started[-1]

    yield start
    for each in started:
        each.stop()


def multipart(content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="products.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_key_whose_worker_was_killed_mid_request_is_free_again_within_seconds(
    server_database, server, tmp_path
):
    # given: a server with two workers, and a staff member's token
    database_url, migrate, query = server_database
    if migrate:
        mercato_command(server_env(tmp_path, database_url), "migrate", "-v", "0")
    live = server(database_url, workers=2)
    password = secrets.token_urlsafe(16)
    live.manage("createstaff", "--email=ops@example.com", f"--password={password}", "--superuser")
    login = live.request(
        "POST", "/api/admin/auth/login",
        f'{{"email": "ops@example.com", "password": "{password}"}}'.encode(),
        Content_Type="application/json",
    )  # fmt: skip
    assert login.status == 200, login
    token = login.json()["access_token"]
    body, content_type = multipart((",".join(COLUMNS) + "\r\n").encode())
    key = f"import-{uuid.uuid4()}"
    headers = {"Authorization": f"Bearer {token}", "Content_Type": content_type,
               "Idempotency_Key": key}  # fmt: skip

    # when: an upload whose body stops halfway (a slow client) holds a worker inside the
    # request, after the key was claimed
    slow = live.connect()
    slow.sendall(raw_request("POST", IMPORT, body, **headers)[: -len(body) // 2])
    deadline = time.monotonic() + 20
    while not query("SELECT state FROM core_idempotencyrecord WHERE key = ?", [key]):
        assert time.monotonic() < deadline, "the slow request never claimed its key"
        time.sleep(0.05)
    holder = live.worker_serving(slow)

    # then: a duplicate on the other worker is told the request is in progress
    duplicate = live.request("POST", IMPORT, body, **headers)
    assert duplicate.status == 409, duplicate
    assert duplicate.json()["code"] == "idempotency_request_in_progress"

    # when: the worker serving the slow request is killed
    os.kill(holder, signal.SIGKILL)
    killed_at = time.monotonic()
    while holder in live.workers():
        time.sleep(0.01)

    # then: a retry with the same key and body runs, within a few seconds
    while True:
        retry = live.request("POST", IMPORT, body, **headers)
        if retry.status != 409 or time.monotonic() - killed_at > 5:
            break
        time.sleep(0.2)
    slow.close()
    assert retry.status == 202, retry
    assert "Idempotent-Replayed" not in retry.headers
    assert time.monotonic() - killed_at < 5
    assert query("SELECT count(*) FROM catalog_productimport") == [(1,)]
    assert query("SELECT state FROM core_idempotencyrecord WHERE key = ?", [key]) == [
        ("completed",)
    ]
    replay = live.request("POST", IMPORT, body, **headers)
    assert replay.status == 202
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == retry.json()


def test_a_refused_host_is_one_line_on_gunicorns_stderr(server, tmp_path):
    live = server(
        f"sqlite:///{tmp_path / 'empty.sqlite3'}",  # no tables: refused before any query
        workers=1,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
    )

    api = live.request("GET", "/api/admin/catalog/products", Host="evil.example")
    page = live.request("GET", "/admin/login/", Host="evil.example")
    stderr = live.stop()

    assert api.status == 400
    assert api.headers["Content-Type"] == "application/problem+json"
    assert api.json()["code"] == "invalid_host"
    assert page.status == 400
    assert page.headers["Content-Type"].startswith("text/html")
    assert b"Bad Request (400)" in page.body
    assert "Traceback" not in stderr
    assert "Bad Request:" not in stderr  # django.request does not log it a second time
    lines = [line for line in stderr.splitlines() if "evil.example" in line]
    assert len(lines) == 2, stderr
    assert "GET /api/admin/catalog/products" in lines[0]
    assert "GET /admin/login/" in lines[1]
