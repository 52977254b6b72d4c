"""The customer tables (docs/analytics.md, "Customers"): what the customers and cohorts
reports, and any report per customer, need of each customer's counted orders, kept by
`analytics/customer_rollups.py` at every refresh of the customer's orders and by the
rebuild, so that no report groups the order facts by customer."""

from django.db import models

from mercato.core.models import money_field

__all__ = [
    "CohortMonth",
    "CustomerDay",
    "CustomerFirstOrder",
    "DailyCustomerGroup",
    "DailyCustomerMonth",
]


class CustomerFirstOrder(models.Model):
    """One customer (account) in one currency: the first and the last shop day of their
    counted orders, how many such orders on how many days, and those orders' gross and
    discounts (sales: gross less discounts; refunds are not split over customers). A
    customer without a counted order in a currency has no row in it."""

    customer_id = models.IntegerField()
    currency = models.CharField(max_length=3)
    first_day = models.DateField()
    last_day = models.DateField()
    orders = models.PositiveIntegerField()
    days = models.PositiveIntegerField(help_text="Days with a counted order.")
    gross = money_field(default=0)
    discounts = money_field(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer_id", "currency"], name="analytics_customer_first_uniq"
            )
        ]
        indexes = [models.Index(fields=["currency", "first_day"], name="customer_first_day_idx")]

    def __str__(self) -> str:
        return f"customer {self.customer_id} ({self.currency}) since {self.first_day}"


class CustomerDay(models.Model):
    """One shop day a customer placed counted orders in one currency: how many and their
    gross and discounts, the customer's first order day (`age`: days since then, 0 on the
    first) and the day they ordered before (`gap`: days since then; none on the first)."""

    customer_id = models.IntegerField()
    currency = models.CharField(max_length=3)
    day = models.DateField()
    orders = models.PositiveIntegerField()
    gross = money_field(default=0)
    discounts = money_field(default=0)
    first_day = models.DateField()
    previous_day = models.DateField(null=True, blank=True)
    age = models.PositiveIntegerField(default=0)
    gap = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer_id", "currency", "day"], name="analytics_customer_day_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["currency", "day"], name="customer_day_day_idx"),
            # the customer days of a range whose first or previous order is in the month the
            # range starts in, before it (the longer ranges' exact part)
            # (without the currency first: the report asks for every currency at once)
            models.Index(fields=["first_day", "day"], name="customer_day_first_idx"),
            models.Index(fields=["previous_day", "day"], name="customer_day_previous_idx"),
        ]

    def __str__(self) -> str:
        return f"customer {self.customer_id} on {self.day}"


class CohortMonth(models.Model):
    """The customers whose first counted order in a currency is in `cohort` (a month's first
    day) and who ordered in `month` (a month's first day, `cohort` or later)."""

    currency = models.CharField(max_length=3)
    cohort = models.DateField()
    month = models.DateField()
    customers = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "cohort", "month"], name="analytics_cohort_month_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"cohort {self.cohort} in {self.month} ({self.currency})"


class DailyCustomerGroup(models.Model):
    """The customer days (`CustomerDay`) of one shop day and currency with the same days
    since the customer's first order and since their previous one, both capped at `CAP`
    (a first order: 0 and 0): all a point of up to a week needs to tell new from returning
    customers and count each once. Summed from the customer days of that day."""

    CAP = 8

    currency = models.CharField(max_length=3)
    day = models.DateField()
    since_first = models.PositiveSmallIntegerField()
    since_previous = models.PositiveSmallIntegerField()
    customers = models.PositiveIntegerField()
    orders = models.PositiveIntegerField()
    gross = money_field(default=0)
    discounts = money_field(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "currency"], name="customer_group_day_idx")]

    def __str__(self) -> str:
        return f"{self.customers} customers on {self.day}"


class DailyCustomerMonth(models.Model):
    """The customer days of one shop day and currency whose first order (`by` "first") or
    previous order (`by` "previous"; first orders have none) is in `month` (its first day):
    how many (`firsts`: of them the customers' first days), their orders, gross and
    discounts. What a longer range needs; the month a range starts in is read exactly from
    the customer days."""

    currency = models.CharField(max_length=3)
    day = models.DateField()
    by = models.CharField(max_length=8)
    month = models.DateField()
    customers = models.PositiveIntegerField()
    firsts = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    gross = money_field(default=0)
    discounts = money_field(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "currency"], name="customer_month_day_idx")]

    def __str__(self) -> str:
        return f"{self.customers} customers on {self.day} ({self.by} {self.month})"
