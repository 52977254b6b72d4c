"""RFC 9457 problem details: the one shape every API error takes."""

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(status: int, code: str, detail: str = "", **extra: Any) -> dict[str, Any]:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": f"https://mercato.dev/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "code": code,
        "detail": detail or title,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    return body


def problem_response(
    status: int, code: str, detail: str = "", *, headers: dict[str, str] | None = None, **extra: Any
) -> HttpResponse:
    response = HttpResponse(
        json.dumps(problem_body(status, code, detail, **extra), default=str),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response
