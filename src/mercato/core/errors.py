"""The domain error hierarchy. Services raise these; `mercato.api` turns them into RFC 9457
problem responses in one place. Each error has a stable machine `code`."""

from typing import Any


class DomainError(Exception):
    """A refusal with a stable `code`. `field` names the culprit; it reaches the problem
    document as `errors: [{field, message}]`, the same shape as schema validation errors."""

    code = "domain_error"
    status = 400
    title = "The request could not be processed"
    # members of every problem document: an extra may not take their names
    RESERVED = frozenset({"type", "title", "status", "detail", "instance", "code"})

    def __init__(
        self, message: str = "", *, code: str | None = None, field: str | None = None, **extra: Any
    ) -> None:
        super().__init__(message or self.title)
        if clash := self.RESERVED & extra.keys():
            raise TypeError(f"{sorted(clash)} are problem document members, not extras")
        if code:
            self.code = code
        self.extra = extra
        if field:
            self.extra.setdefault("errors", [{"field": field, "message": str(self)}])


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a rule."""

    code, status, title = "invalid", 422, "The input is not valid"


class InvalidAmount(InvalidInput):
    """An amount of money that `mercato.core.money.parse_amount` refuses."""

    code, title = "invalid_amount", "The amount is not valid"


class InvalidCountry(InvalidInput):
    """Not an ISO 3166-1 alpha-2 country code."""

    code, title = "invalid_country", "Not an ISO 3166-1 alpha-2 country code"


class PayloadTooLarge(DomainError):
    """A body larger than the endpoint takes (the middleware refuses those over every
    endpoint's limit before they are read)."""

    code, status, title = "payload_too_large", 413, "The request body is too large"


class NotFound(DomainError):
    code, status, title = "not_found", 404, "Not found"


class Conflict(DomainError):
    code, status, title = "conflict", 409, "Conflict with the current state"


class NotAuthenticated(DomainError):
    code, status, title = "not_authenticated", 401, "Authentication required"


class PermissionDenied(DomainError):
    code, status, title = "permission_denied", 403, "Permission denied"


class RateLimited(DomainError):
    code, status, title = "rate_limited", 429, "Too many requests"

    def __init__(self, message: str = "", *, retry_after: int, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.retry_after = max(1, int(retry_after))
