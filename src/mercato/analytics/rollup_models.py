"""The breakdown roll-ups (docs/analytics.md, "Roll-ups"): what a breakdown report needs of
one shop day, summed from the facts of that day, so that a report over two years reads a few
rows a day and never the facts. Summed again with `DailySales` (`analytics/rollups.py`)."""

from django.db import models

from mercato.core.models import money_field

__all__ = ["DailyOrderGroup"]


class DailyOrderGroup(models.Model):
    """The orders report's figures of one shop day, in one currency, for one value (`key`) of
    one breakdown (`by`: status, country, shipping method or payment provider): the counted
    orders placed that day and their gross and discounts, and the refunds made that day of
    counted orders of that value. A day's orders and its refunds are two rows."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    by = models.CharField(max_length=20)
    key = models.CharField(max_length=200)
    orders = models.PositiveIntegerField(default=0)
    gross = money_field(default=0)
    discounts = money_field(default=0)
    refunds = money_field(default=0)

    class Meta:
        indexes = [models.Index(fields=["by", "day", "currency"], name="order_group_day_idx")]

    def __str__(self) -> str:
        return f"{self.by}={self.key} on {self.day}"
