"""The forms of the breakdown and shoppers' path report pages: each is the report form (range,
comparison, currency) with the report's own filters, the same choices and bounds as the admin
API's parameters (analytics/report_schemas.py, events_schemas.py)."""

from datetime import date, timedelta
from typing import Any, get_args

from django import forms
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminTextInputWidget

from mercato.analytics.admin.forms import ReportForm, RevenueForm, _choice
from mercato.analytics.reports.orders import Breakdown
from mercato.analytics.reports.products import Item, ProductOrder
from mercato.analytics.reports.taxes import quarter_days
from mercato.analytics.selectors import Period, check_currency

BREAKDOWNS = {
    "status": "Status",
    "country": "Shipping country",
    "shipping_method": "Shipping method",
    "payment_provider": "Payment provider",
}
assert set(BREAKDOWNS) == set(get_args(Breakdown))
ITEMS = {"product": "Product", "variant": "Variant"}
assert set(ITEMS) == set(get_args(Item))
PRODUCT_ORDERS = {"net_sales": "Net sales", "units": "Units"}
assert set(PRODUCT_ORDERS) == set(get_args(ProductOrder))
QUARTER = r"^(19[7-9]\d|2\d{3})-Q[1-4]$"  # AnalyticsOssParams.quarter's


def _limit(label: str) -> forms.IntegerField:
    """1 to 100 rows, as the API's `limit`."""
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=100,
        required=False,
        widget=UnfoldAdminIntegerFieldWidget,
    )


class OrdersForm(ReportForm):
    by = _choice("Group by", list(BREAKDOWNS.items()))
    field_order = ["start", "end", "by", "compare", "currency"]
    defaults = {**ReportForm.defaults, "by": "status"}


class ProductsForm(ReportForm):
    by = _choice("One row per", list(ITEMS.items()))
    order_by = _choice("Most", list(PRODUCT_ORDERS.items()))
    limit = _limit("Rows per currency")
    field_order = ["start", "end", "by", "order_by", "limit", "compare", "currency"]
    defaults = {**ReportForm.defaults, "by": "product", "order_by": "net_sales", "limit": "20"}


class CustomersForm(RevenueForm):
    """The revenue report's form: range, interval, comparison, currency."""


class CohortsForm(ReportForm):
    """A cohort compares months with each other: no comparison."""

    compare = None  # type: ignore[assignment]  # removes the field (Django forms)


class SessionsForm(ReportForm):
    """The storefront's sessions have no currency."""

    currency = None  # type: ignore[assignment]


class SearchForm(SessionsForm):
    limit = _limit("Terms per list")
    field_order = ["start", "end", "limit", "compare"]
    defaults = {**ReportForm.defaults, "limit": "20"}


def last_quarter(today: date) -> str:
    """The last quarter that ended before `today` (the one a return is made for)."""
    before = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - timedelta(days=1)
    return f"{before.year}-Q{(before.month - 1) // 3 + 1}"


class OssForm(ReportForm):
    """A quarter (default: the last one ended) and a currency, as the API's OSS return."""

    start = None  # type: ignore[assignment]
    end = None  # type: ignore[assignment]
    compare = None  # type: ignore[assignment]
    quarter = forms.RegexField(
        QUARTER,
        label="Quarter",
        required=False,
        error_messages={"invalid": "Enter a quarter as 2026-Q3 (years 1970 to 2999)."},
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "2026-Q3"}),
    )
    field_order = ["quarter", "currency"]

    def __init__(self, data: Any, *, today: date) -> None:
        given = {key: value for key, value in data.items() if value}
        given.setdefault("quarter", last_quarter(today))
        super().__init__(given, today=today)

    def period(self) -> Period:
        """The quarter's days, nothing compared (the return reads no other range)."""
        start, end = quarter_days(self.cleaned_data["quarter"])
        check_currency(self.cleaned_data["currency"])
        return Period(start=start, end=end, compare="none", previous=None)
