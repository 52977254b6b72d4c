"""The analytics app's refusals: a report's range and currency."""

from mercato.core.errors import InvalidInput


class InvalidRange(InvalidInput):
    code, title = "invalid_range", "The date range is not valid"


class RangeTooLong(InvalidInput):
    code, title = "range_too_long", "The date range is too long"


class UnknownCurrency(InvalidInput):
    code, title = "unknown_currency", "The shop does not sell in this currency"


class UnknownWarehouse(InvalidInput):
    code, title = "unknown_warehouse", "No such warehouse"


class UnknownCategory(InvalidInput):
    code, title = "unknown_category", "The catalog has no such category"


class ParentNotTaken(InvalidInput):
    code, title = "parent_not_taken", "Only the categories report takes a parent"
