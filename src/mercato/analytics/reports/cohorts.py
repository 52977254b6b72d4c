"""The cohorts report: customers grouped by the month of their first counted order (per
currency), and for each later month how many of them ordered again (the retention matrix),
in two queries: the cohort months (`CohortMonth`) before the range's last month, and that
month's customer days (the range may end before the month does)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth

from mercato.analytics.models import CohortMonth, CustomerDay
from mercato.analytics.periods import bucket_start, buckets
from mercato.analytics.reports.common import currencies


@dataclass
class Cohort:
    """The customers whose first order is in `month`; `active[k]`: how many of them ordered
    `k` months later (0: the month itself, so all of them)."""

    month: date
    customers: int = 0
    active: list[int] = field(default_factory=list)


@dataclass
class CurrencyCohorts:
    currency: str
    cohorts: list[Cohort]


def _month_index(month: date, first: date) -> int:
    return (month.year - first.year) * 12 + month.month - first.month


def get_cohorts(*, start: date, end: date, currency: str | None = None) -> list[CurrencyCohorts]:
    """One cohort per month from `start`'s month to `end`'s, per currency, each with its
    customers active in every month from its own to `end`'s."""
    first_month = bucket_start(start, "month")
    last_month = bucket_start(end, "month")
    months = [month for month, _ in buckets(first_month, end, "month")]
    cells = CohortMonth.objects.filter(cohort__gte=first_month, month__lt=last_month)
    days = CustomerDay.objects.filter(first_day__gte=first_month, day__range=(last_month, end))
    if currency:
        cells = cells.filter(currency=currency)
        days = days.filter(currency=currency)
    counted = list(cells.values_list("currency", "cohort", "month", "customers"))
    last = (
        days.values("currency", cohort_of=TruncMonth("first_day"))
        .annotate(n=Count("customer_id", distinct=True))
        .values_list("currency", "cohort_of", "n")
        .order_by()
    )
    counted += [(code, _date(cohort), last_month, n) for code, cohort, n in last]
    found: dict[str, dict[date, Cohort]] = defaultdict(dict)
    for code in currencies({code for code, *_ in counted}, currency):
        for month in months:
            found[code][month] = Cohort(month, 0, [0] * (len(months) - months.index(month)))
    for code, cohort, month, n in counted:
        found[code][cohort].active[_month_index(month, cohort)] = n
        if month == cohort:
            found[code][cohort].customers = n
    return [CurrencyCohorts(code, list(found[code].values())) for code in found]


def _date(value: date) -> date:
    """A month from TruncMonth (a datetime on some databases)."""
    return value.date() if isinstance(value, datetime) else value
