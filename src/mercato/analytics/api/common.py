"""What the analytics handlers share: the admin router, and one way to declare a report (staff
with the analytics view permission, which the Analyst role has)."""

from typing import Any

from ninja import Router

from mercato.accounts.operations import Decorator, admin_operation
from mercato.analytics import selectors
from mercato.analytics.schemas import AnalyticsReportParams

admin_router = Router(tags=["admin: analytics"])

VIEW = "analytics.view_dailysales"
# A report's own 422 codes, before the ones every operation with parameters has.
RANGE_CODES = {
    "responses": {
        422: {
            "description": "Unprocessable Entity; `invalid_range`: the range ends before it "
            "starts, or names a day before 1970 or after 2999; `range_too_long`: the range is "
            "longer than the shop allows; "
            "`unknown_currency`: the shop has no sales in this currency"
        }
    }
}


def report(path: str, *, out: Any, codes: str = "") -> Decorator:
    """A GET report at `path` answering `out` (fields by their aliases: `from`), 401, 403
    and 422 (`codes`: the report's own 422 codes, when they are not the range's)."""
    return admin_operation(
        admin_router,
        "get",
        path,
        out=out,
        errors=(422,),
        permission=VIEW,
        by_alias=True,
        openapi_extra={"responses": {422: {"description": codes}}} if codes else RANGE_CODES,
    )


def report_period(params: AnalyticsReportParams) -> selectors.Period:
    """The period a report's parameters ask for, after checking its range and currency."""
    period = selectors.get_period(start=params.from_, end=params.to, compare=params.compare)
    selectors.check_currency(params.currency)
    return period
