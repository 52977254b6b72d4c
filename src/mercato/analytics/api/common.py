"""What the analytics handlers share: the admin router, and one way to declare a report (staff
with the analytics view permission, which the Analyst role has)."""

from collections.abc import Callable
from typing import Any

from ninja import Router

from mercato.accounts.authentication import AdminAuth
from mercato.core.schemas import problems

admin_router = Router(tags=["admin: analytics"])

VIEW = "analytics.view_dailysales"
# A report's own 422 codes, before the ones every operation with parameters has.
RANGE_CODES = {
    "responses": {
        422: {
            "description": "Unprocessable Entity; `invalid_range`: the range ends before it "
            "starts; `range_too_long`: the range is longer than the shop allows; "
            "`unknown_currency`: the shop has no sales in this currency"
        }
    }
}


def report(path: str, *, out: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A GET report at `path` answering `out` (fields by their aliases: `from`), 401, 403
    and 422."""
    return admin_router.get(
        path,
        response={200: out, **problems(401, 403, 422)},
        auth=AdminAuth(VIEW),
        by_alias=True,
        openapi_extra=RANGE_CODES,
    )
