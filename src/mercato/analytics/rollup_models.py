"""The breakdown roll-ups (docs/analytics.md, "Roll-ups"), summed from the facts so that a
report over two years reads a few rows a day, or a month, and not the facts.

The daily ones are summed again with `DailySales` (`analytics/rollups.py`). The line
roll-ups of months and weeks are summed by a chore: a refresh marks the months and weeks it
touched stale, and a report reads a stale one from the facts until the chore has summed it
again."""

from django.db import models

from mercato.core.models import money_field

__all__ = ["DailyOrderGroup", "LineSalesRollup", "StaleRollup"]


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


class LineSalesRollup(models.Model):
    """The counted order lines of one month or one week of shop days (`span`; `start`: its
    first day, a week's Monday), in one currency, of one product (`by` "product") or one
    variant and its product (`by` "variant"; None: deleted since): the products report's
    figures, read for the whole months and weeks of a range that are not stale. `orders`:
    the orders with such a line."""

    span = models.CharField(max_length=5)
    start = models.DateField()
    currency = models.CharField(max_length=3)
    by = models.CharField(max_length=7)
    product_id = models.IntegerField(null=True, blank=True)
    variant_id = models.IntegerField(null=True, blank=True)
    units = models.PositiveIntegerField(default=0)
    gross = money_field(default=0)
    discounts = money_field(default=0)
    returned = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["span", "by", "start", "currency"], name="line_rollup_start_idx")
        ]

    def __str__(self) -> str:
        return f"{self.by} {self.product_id}/{self.variant_id} in the {self.span} of {self.start}"


class StaleRollup(models.Model):
    """A month or a week whose facts changed since its roll-ups were summed."""

    pk = models.CompositePrimaryKey("span", "start")
    span = models.CharField(max_length=5)
    start = models.DateField()

    def __str__(self) -> str:
        return f"the {self.span} of {self.start} (stale)"
