"""Small helpers for the accounts tests."""

import re

from tests.support import PASSWORD

LOGIN = "/api/store/auth/login"
ADMIN_LOGIN = "/api/admin/auth/login"


class Clock:
    """A stand-in for the `time` module as the rate limiter sees it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def log_in(api, email: str, password: str = PASSWORD, *, admin: bool = False):
    return api.post_json(ADMIN_LOGIN if admin else LOGIN, {"email": email, "password": password})


def link_token(message) -> str:
    """The token of the link in an email's text body."""
    found = re.search(r"[?&]token=(\S+)", message.body)
    assert found, message.body
    return found.group(1)
