"""The report pages' form: a range of shop days, the range to compare with, a currency, and
for the revenue report an interval. Left empty, a report covers the last 30 shop days."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from mercato.analytics.models import DailySales
from mercato.analytics.periods import INTERVALS, Compare
from mercato.analytics.selectors import Period, check_currency, get_period

COMPARE = [
    ("previous_period", "Previous period"),
    ("previous_year", "Previous year"),
    ("none", "No comparison"),
]
DEFAULT_DAYS = 30


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=UnfoldAdminTextInputWidget(attrs={"type": "date"})
    )


def _choice(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices, required=False, widget=UnfoldAdminSelectWidget
    )


def currencies() -> list[str]:
    """The shop's currency and every one it has sold in (one query)."""
    sold = DailySales.objects.values_list("currency", flat=True).order_by().distinct()
    return sorted({settings.STORE_CURRENCY, *sold})


class ReportForm(forms.Form):
    start = _date("From")
    end = _date("To")
    compare = _choice("Compare with", COMPARE)
    currency = _choice("Currency", [])

    defaults: dict[str, str] = {"compare": "previous_period"}

    def __init__(self, data: Any, *, today: date) -> None:
        """Bound to the query string, with the defaults shown on the form: the range ends
        today and covers 30 days."""
        given = {key: value for key, value in data.items() if value}
        given.setdefault("end", today.isoformat())
        if "start" not in given:
            try:
                end = date.fromisoformat(given["end"])
            except ValueError:
                end = today  # the end field shows its own error
            given["start"] = (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        super().__init__({**self.defaults, **given})
        field = self.fields.get("currency")  # a report of sessions has none
        if isinstance(field, forms.ChoiceField):
            field.choices = [("", "Each currency"), *((code, code) for code in currencies())]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["currency"] = data.get("currency") or None
        return data

    def period(self) -> Period:
        """The period the valid form asks for, its currency checked, as the admin API's
        `report_period` makes it (InvalidInput when refused). A form without `compare`
        compares with nothing."""
        data = self.cleaned_data
        compare: Compare = data.get("compare") or "none"
        period = get_period(start=data["start"], end=data["end"], compare=compare)
        check_currency(data["currency"])
        return period


class RevenueForm(ReportForm):
    interval = _choice("Interval", [(name, name.capitalize()) for name in INTERVALS])
    field_order = ["start", "end", "interval", "compare", "currency"]
    defaults = {**ReportForm.defaults, "interval": "day"}
