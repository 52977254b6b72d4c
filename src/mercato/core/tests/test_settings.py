"""settings.py reads the environment once, at import: each case imports it in a fresh
interpreter."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import mercato

SRC = str(Path(mercato.__file__).resolve().parent.parent)
PRINT = "from django.conf import settings; print(settings.SECURE_HSTS_SECONDS, settings.DEBUG)"


def run_settings(code: str = "import mercato.settings", **env: str) -> subprocess.CompletedProcess:
    ignored = {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_HSTS_SECONDS"}
    clean = {k: v for k, v in os.environ.items() if k not in ignored}
    clean.update(PYTHONPATH=SRC, DJANGO_SETTINGS_MODULE="mercato.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "extra",
    [{}, {"SECRET_KEY": "mercato-insecure-development-key-do-not-use-in-production"},
     {"SECRET_KEY": "short-but-set"}],
    ids=["no-key", "default-key", "short-key"],
)  # fmt: skip
def test_production_refuses_a_missing_default_or_short_secret_key(extra):
    result = run_settings(DEBUG="false", ALLOWED_HOSTS="x", **extra)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_random_secret_key_and_sends_hsts():
    result = run_settings(
        PRINT, DEBUG="false", SECRET_KEY=secrets.token_urlsafe(48)[:64], ALLOWED_HOSTS="x"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "False"]


def test_development_needs_no_secret_and_sends_no_hsts():
    result = run_settings(PRINT, DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "True"]


RATE = "from django.conf import settings; print(settings.RATE_LIMIT_CART_IP)"


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("10/h", "(10, 3600)"), ("5/10m", "(5, 600)"), ("30/600", "(30, 600)"),
     ("2/d", "(2, 86400)"), (" 3/M ", "(3, 60)"), ("off", "None")],
)  # fmt: skip
def test_rate_limits_are_read_as_attempts_per_window(value, parsed):
    result = run_settings(RATE, RATE_LIMIT_CART_IP=value)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == parsed


@pytest.mark.parametrize("value", ["ten", "10", "10/", "0/h", "10/0m", "10/w", "-1/h"])
def test_a_malformed_rate_limit_stops_the_start(value):
    result = run_settings(RATE_LIMIT_CART_IP=value)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "RATE_LIMIT_CART_IP" in result.stderr
