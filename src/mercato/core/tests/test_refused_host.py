"""A request with a Host header the server does not serve: 400, and one log line."""

import io
import logging

import pytest
from django.test import Client

from mercato.core.tests.helpers import assert_problem


@pytest.fixture
def log_output(settings, monkeypatch):
    """Everything the handlers of the LOGGING setting write, and Python's last-resort handler
    (a record no handler takes), in one buffer."""
    buffer = io.StringIO()
    handlers = {
        handler
        for name in ("", "django", "django.request", "django.security.DisallowedHost")
        for handler in logging.getLogger(name).handlers
        if handler.name in settings.LOGGING["handlers"]
    }
    assert handlers
    previous = {handler: handler.setStream(buffer) for handler in handlers}
    monkeypatch.setattr(logging, "lastResort", logging.StreamHandler(buffer))
    yield buffer
    for handler, stream in previous.items():
        handler.setStream(stream)


@pytest.mark.parametrize("path", ["/api/store/products", "/admin/login/", "/nowhere"])
def test_a_refused_host_is_answered_400_and_logged_as_one_line(db, log_output, path):
    response = Client().get(path, HTTP_HOST="evil.example")

    assert response.status_code == 400
    if path.startswith("/api/"):
        problem = assert_problem(response, 400, "invalid_host")
        assert "evil.example" not in problem["detail"]  # nothing of the request echoed
    else:
        assert response["Content-Type"].startswith("text/html")
        assert b"Bad Request (400)" in response.content
    lines = log_output.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "django.security.DisallowedHost" in lines[0]
    assert "Invalid HTTP_HOST header: 'evil.example'" in lines[0]
    assert f"GET {path}" in lines[0]


def test_an_allowed_host_is_not_refused(db, log_output):
    response = Client().get("/api/store/products", HTTP_HOST="localhost")

    assert response.status_code == 200
    assert "DisallowedHost" not in log_output.getvalue()
