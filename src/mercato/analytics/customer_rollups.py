"""Keeping the customer tables (`customer_models.py`, docs/analytics.md "Customers") from the
order facts, in the database: `refresh_customers` for the customers of the orders an event
refreshed (their rows are built again from all their counted order facts, and the cohort
months and the days' customer roll-ups they counted in before or count in now are counted
again), `rebuild_customers` for
everyone (a few statements over the whole facts table)."""

from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Count,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Least, TruncMonth

from mercato.analytics.copying import insert_from
from mercato.analytics.customer_models import (
    CohortMonth,
    CustomerDay,
    CustomerFirstOrder,
    DailyCustomerGroup,
    DailyCustomerMonth,
)
from mercato.analytics.locks import lock_keys
from mercato.analytics.models import OrderFact

CUSTOMER_LOCK = 0x6375  # the first key of a customer's advisory lock ("cu")
COHORT_LOCK = 0x636F  # the first key of a cohort month's advisory lock ("co")
DAY_LOCK = 0x6364  # the first key of a day's customer roll-ups' advisory lock ("cd")
Cell = tuple[str, date, date]  # (currency, cohort, month)


class DaysBetween(Func):
    """The days from the second date to the first (an integer; null with either null)."""

    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def customers_of(order_ids: list[int]) -> set[int]:
    """The customers of these orders' stored facts."""
    found = OrderFact.objects.filter(order_id__in=order_ids, customer_id__isnull=False)
    return {customer for customer in found.values_list("customer_id", flat=True) if customer}


def _month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _cells(days: Any) -> set[Cell]:
    rows = days.values_list("currency", TruncMonth("first_day"), TruncMonth("day")).distinct()
    return {(code, _date(cohort), _date(month)) for code, cohort, month in rows.order_by()}


def _date(value: Any) -> date:
    return value.date() if hasattr(value, "date") else value


def _write(scope: Q) -> None:
    """Insert the rows of the customers in `scope` (a filter on `customer_id`; none of
    their rows may be there yet), from their counted order facts."""
    facts = OrderFact.objects.filter(scope, counted=True, customer_id__isnull=False)
    insert_from(
        CustomerFirstOrder,
        facts.values("customer_id", "currency"),
        {
            "customer_id": F("customer_id"),
            "currency": F("currency"),
            "first_day": Min("day"),
            "last_day": Max("day"),
            "orders": Count("pk"),
            "days": Count("day", distinct=True),
            "gross": Sum("gross"),
            "discounts": Sum("discounts"),
        },
    )
    insert_from(
        CustomerDay,
        facts.values("customer_id", "currency", "day"),
        {
            "customer_id": F("customer_id"),
            "currency": F("currency"),
            "day": F("day"),
            "orders": Count("pk"),
            "gross": Sum("gross"),
            "discounts": Sum("discounts"),
            "first_day": F("day"),  # set below, from the customer's row
            "age": Value(0),
        },
    )
    same = {"customer_id": OuterRef("customer_id"), "currency": OuterRef("currency")}
    earlier = CustomerDay.objects.filter(**same, day__lt=OuterRef("day")).values("customer_id")
    days = CustomerDay.objects.filter(scope)
    days.update(
        first_day=Subquery(CustomerFirstOrder.objects.filter(**same).values("first_day")),
        previous_day=Subquery(earlier.annotate(last=Max("day")).values("last")),
    )
    days.update(
        age=DaysBetween(F("day"), F("first_day")), gap=DaysBetween(F("day"), F("previous_day"))
    )


def _count_cells(cells: set[Cell]) -> None:
    """Count the customers of these cohort months again (their other rows stay)."""
    if not cells:
        return
    lock_keys(COHORT_LOCK, (cohort.toordinal() for _, cohort, _ in cells))
    found = Q()
    for code, cohort, month in cells:
        found |= Q(currency=code, cohort=cohort, month=month)
    CohortMonth.objects.filter(found).delete()
    days = Q()
    for code, cohort, month in cells:
        days |= Q(
            currency=code,
            first_day__range=(cohort, _month_end(cohort)),
            day__range=(month, _month_end(month)),
        )
    _insert_cohorts(CustomerDay.objects.filter(days))


def _insert_cohorts(days: Any) -> None:
    grouped = days.values("currency", cohort_of=TruncMonth("first_day"), month_of=TruncMonth("day"))
    insert_from(
        CohortMonth,
        grouped,
        {
            "currency": F("currency"),
            "cohort": F("cohort_of"),
            "month": F("month_of"),
            "customers": Count("customer_id", distinct=True),
        },
    )


def _sum_days(days: Q) -> None:
    """Sum the customer roll-ups of the days in `days` (a filter on `day`) again."""
    DailyCustomerGroup.objects.filter(days).delete()
    DailyCustomerMonth.objects.filter(days).delete()
    rows = CustomerDay.objects.filter(days)
    cap = Value(DailyCustomerGroup.CAP)
    grouped = rows.values(
        "currency",
        "day",
        since_first_of=Least("age", cap),
        since_previous_of=Least(Coalesce("gap", 0), cap),
    )
    sums = {
        "orders": Sum("orders"),
        "gross": Sum("gross"),
        "discounts": Sum("discounts"),
    }
    common = {"currency": F("currency"), "day": F("day"), "customers": Count("pk")}
    insert_from(
        DailyCustomerGroup,
        grouped,
        common
        | sums
        | {"since_first": F("since_first_of"), "since_previous": F("since_previous_of")},
    )
    insert_from(
        DailyCustomerMonth,
        rows.values("currency", "day", month_of=TruncMonth("first_day")),
        common
        | sums
        | {"by": Value("first"), "month": F("month_of"), "firsts": Count("pk", filter=Q(age=0))},
    )
    insert_from(
        DailyCustomerMonth,
        rows.filter(previous_day__isnull=False).values(
            "currency", "day", month_of=TruncMonth("previous_day")
        ),
        common
        | {"by": Value("previous"), "month": F("month_of")}
        | {name: Value(0) for name in ("firsts", "orders", "gross", "discounts")},
    )


def refresh_customers(customers: set[int]) -> None:
    """Build the rows of these customers again from their counted order facts, and count
    the cohort months they counted in, before or now, again. Called with the facts of the
    customers' changed orders written, in the refresh's transaction."""
    if not customers:
        return
    lock_keys(CUSTOMER_LOCK, customers)
    scope = Q(customer_id__in=sorted(customers))
    before = _cells(CustomerDay.objects.filter(scope))
    days = set(CustomerDay.objects.filter(scope).values_list("day", flat=True))
    CustomerDay.objects.filter(scope).delete()
    CustomerFirstOrder.objects.filter(scope).delete()
    _write(scope)
    _count_cells(before | _cells(CustomerDay.objects.filter(scope)))
    days |= set(CustomerDay.objects.filter(scope).values_list("day", flat=True))
    if days:  # none: the customer never had a counted order
        lock_keys(DAY_LOCK, (day.toordinal() for day in days))
        _sum_days(Q(day__in=sorted(days)))


def rebuild_customers() -> None:
    """Every customer's rows and every cohort month again, from the order facts."""
    for model in (CohortMonth, CustomerDay, CustomerFirstOrder):
        model.objects.all().delete()
    _write(Q())
    _insert_cohorts(CustomerDay.objects.all())
    _sum_days(Q())
