"""What the tests of the breakdown reports share: Berlin moments, money as the API writes
it, the range errors every report answers, and the checks of bad input and access."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mercato.core.tests.helpers import assert_problem

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def eur(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def range_errors(path: str, **params: Any) -> list[tuple[str, dict[str, Any], str, str]]:
    """(path, parameters, code, field) of the range and currency errors of a report that
    takes `params` besides its range."""
    march = {"from": "2026-03-01", "to": "2026-03-10", **params}
    return [
        (path, {**march, "from": "2026-03-11"}, "invalid_range", "to"),
        (path, {**march, "from": "2020-01-01", "to": "2026-01-01"}, "range_too_long", "to"),
        (path, {**march, "currency": "CHF"}, "unknown_currency", "currency"),
        (path, {**march, "currency": "eur"}, "validation_error", "currency"),
        (path, {k: v for k, v in march.items() if k != "from"}, "validation_error", "from"),
    ]


def check_bad_input(api, token: str, path: str, params: dict, code: str, field: str) -> None:
    """A 422 problem with this code, naming this one field."""
    body = assert_problem(api.get_json(path, params, token=token), 422, code)
    assert [e["field"] for e in body["errors"]] == [field]


def check_staff_only(api, path: str, params: dict, *, customer: str, no_permission: str) -> None:
    """401 without a token or with a customer's, 403 for staff without the analytics
    permission."""
    assert api.get_json(path, params).status_code == 401
    assert api.get_json(path, params, token=customer).status_code == 401
    denied = api.get_json(path, params, token=no_permission)
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")


def check_queries(api, token: str, path: str, params: dict, queries: int, assert_num) -> None:
    """The report answers 200 in `queries` queries: the token's session (with its user), the
    user's and its groups' permissions, then the report's own (`assert_num`: pytest-django's
    django_assert_num_queries)."""
    with assert_num(queries):
        response = api.get_json(path, params, token=token)
    assert response.status_code == 200, response.content
