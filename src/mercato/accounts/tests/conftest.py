import pytest

from mercato.accounts.tests.helpers import Clock
from mercato.core import ratelimit


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze the rate limiter's clock at the start of an hour, so fixed windows never roll
    over in the middle of a test."""
    fake = Clock(1_700_002_800.0)
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake
