"""HTTP plumbing shared by every surface: body size limit, problem responses for errors that
happen outside the API's own handlers, and a Content Security Policy for the HTML pages."""

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from mercato.core.logs import host_refused
from mercato.core.problems import PROBLEM_CONTENT_TYPE, problem_response

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX) or request.path.startswith("/health/")


class BodySizeLimitMiddleware:
    """Refuse a body larger than MAX_REQUEST_BODY_BYTES (MAX_UPLOAD_BYTES for multipart file
    uploads) before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_response(400, "bad_content_length", "Content-Length is not a number.")
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data")
        limit = settings.MAX_UPLOAD_BYTES if multipart else settings.MAX_REQUEST_BODY_BYTES
        if length > limit:
            return problem_response(
                413, "payload_too_large", f"The request body is larger than {limit} bytes."
            )
        return self.get_response(request)


def _json_object(response: HttpResponse) -> dict[str, Any] | None:
    if response.streaming or not response.get("Content-Type", "").startswith("application/json"):
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class ProblemMiddleware:
    """Give API clients a problem document for the errors Django answers itself: an unknown
    URL (404), a method the path does not take (405), a refused host (400 `invalid_host`) or a
    CSRF failure. A JSON answer a view wrote on purpose (the readiness probe's 503) is left as
    it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path and is_api_request(request):
            # no resource has a NUL in its path (and PostgreSQL cannot even look one up)
            return problem_response(404, "not_found", "No such resource.")
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_request(request)
            and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        ):
            body = _json_object(response)
            if body is not None and set(body) - {"detail"}:
                return response
            if response.status_code == 400 and host_refused(request):
                return problem_response(
                    400, "invalid_host", "This server does not serve the host the request names."
                )
            return self._as_problem(response, body)
        return response

    @staticmethod
    def _as_problem(response: HttpResponse, body: dict[str, Any] | None) -> HttpResponse:
        status = response.status_code
        if status == 404:
            return problem_response(404, "not_found", "No such resource.")
        if status == 405:
            allowed = response.get("Allow", "")
            problem = problem_response(
                405,
                "method_not_allowed",
                f"This resource accepts {allowed or 'other methods'}.",
                allowed=[m.strip() for m in allowed.split(",") if m.strip()],
            )
            if allowed:
                problem["Allow"] = allowed
            return problem
        detail = str(body.get("detail", "")) if body else ""
        code = {400: "bad_request", 401: "not_authenticated", 403: "forbidden"}.get(
            status, "server_error" if status >= 500 else "error"
        )
        converted = problem_response(status, code, detail)
        for header in ("Retry-After", "WWW-Authenticate"):
            if header in response:
                converted[header] = response[header]
        return converted


ADMIN_CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: blob:",
        "style-src 'self' 'unsafe-inline'",
        # Unfold's Alpine.js evaluates its attribute expressions; nothing else may run.
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware:
    """A strict policy for the back office and API docs; JSON responses forbid everything."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            response["Content-Security-Policy"] = ADMIN_CSP
        elif is_api_request(request):
            response["Content-Security-Policy"] = API_CSP
        return response
