"""The cohorts report: customers grouped by the month of their first counted order (per
currency), and for each later month how many of them ordered again (the retention matrix),
in two queries on the order facts (the first order days, and the months ordered in)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Min
from django.db.models.functions import TruncMonth

from mercato.analytics.models import OrderFact
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
    months = [month for month, _ in buckets(first_month, end, "month")]
    facts = OrderFact.objects.filter(counted=True, customer_id__isnull=False)
    if currency:
        facts = facts.filter(currency=currency)
    firsts = (
        facts.values("currency", "customer_id")
        .annotate(first=Min("day"))
        .filter(first__range=(first_month, end))
        .order_by()
    )
    cohort_of = {
        (row["currency"], row["customer_id"]): bucket_start(row["first"], "month") for row in firsts
    }
    active = (
        facts.filter(customer_id__in=firsts.values("customer_id"), day__range=(first_month, end))
        .values("currency", "customer_id", month=TruncMonth("day"))
        .distinct()
        .order_by()
    )
    found: dict[str, dict[date, Cohort]] = defaultdict(dict)
    for code in currencies({code for code, _ in cohort_of}, currency):
        for month in months:
            found[code][month] = Cohort(month, 0, [0] * (len(months) - months.index(month)))
    for (code, _), month in cohort_of.items():
        found[code][month].customers += 1
    for row in active:
        cohort = cohort_of.get((row["currency"], row["customer_id"]))
        if cohort is not None and row["month"] >= cohort:
            found[row["currency"]][cohort].active[_month_index(row["month"], cohort)] += 1
    return [CurrencyCohorts(code, list(found[code].values())) for code in found]
