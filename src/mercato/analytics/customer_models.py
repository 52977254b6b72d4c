"""The customer tables (docs/analytics.md, "Customers"): what the customers and cohorts
reports, and any report per customer, need of each customer's counted orders, kept by
`analytics/customer_rollups.py` at every refresh of the customer's orders and by the
rebuild, so that no report groups the order facts by customer."""

from django.db import models

from mercato.core.models import money_field

__all__ = ["CohortMonth", "CustomerDay", "CustomerFirstOrder"]


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
        indexes = [models.Index(fields=["currency", "day"], name="customer_day_day_idx")]

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
