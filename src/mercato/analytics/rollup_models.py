"""The breakdown roll-ups (docs/analytics.md, "Roll-ups"), summed from the facts so that a
report over two years reads a few rows a day, or a month, and not the facts.

The daily ones are summed again with `DailySales` (`analytics/rollups.py`). The line
roll-ups of months and weeks are summed by a chore: a refresh marks the months and weeks it
touched stale, and a report reads a stale one from the facts until the chore has summed it
again."""

from django.db import models

from mercato.core.models import money_field

__all__ = [
    "CatalogGrouping",
    "DailyCatalogGroup",
    "DailyDiscount",
    "DailyOrderGroup",
    "DailyPayments",
    "LineSalesRollup",
    "StaleRollup",
]


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


class DailyCatalogGroup(models.Model):
    """The categories and collections report's figures of one shop day, in one currency: the
    counted order lines of that day grouped as the catalog filed their products when the day
    was summed (`CatalogGrouping` sums every day again when the catalog's grouping changes).

    `by` "category": the lines of a category's whole subtree, `key` its path (a row for every
    ancestor of a product's category); "filed": the lines filed in exactly that category
    (`key` "": in no category, or a product deleted since); "collection": the lines of a
    collection, `key` its id ("": in none); "all": every line (`key` ""). `orders`: the
    distinct orders with such lines that day (an order has one day, so days add up)."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    by = models.CharField(max_length=10)
    key = models.CharField(max_length=255, blank=True)
    units = models.PositiveIntegerField(default=0)
    gross = money_field(default=0)
    discounts = money_field(default=0)
    orders = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["by", "key", "day"], name="catalog_group_key_idx")]

    def __str__(self) -> str:
        return f"{self.by} {self.key!r} on {self.day}"


class CatalogGrouping(models.Model):
    """A fingerprint of how the catalog groups products (their categories' paths, their
    collections) as the catalog roll-ups were last summed by it: one row."""

    fingerprint = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.fingerprint


class DailyDiscount(models.Model):
    """The vouchers and promotions report's figures of one shop day, in one currency.

    `by` "voucher" (`key` the code): the counted orders placed that day with the code, what
    the voucher took off them (`discount`), their `gross` and `discounts`, and `refunds`: the
    refunds made that day of counted orders with the code (in a row of their own).
    `by` "promotion" (`key` its id): the counted lines of that day the promotion priced,
    what it took off them, and their gross and discounts; `name` as a line kept it."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    by = models.CharField(max_length=10)
    key = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    orders = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    discount = money_field(default=0)
    gross = money_field(default=0)
    discounts = money_field(default=0)
    refunds = money_field(default=0)

    class Meta:
        indexes = [models.Index(fields=["by", "day", "currency"], name="discount_day_idx")]

    def __str__(self) -> str:
        return f"{self.by} {self.key} on {self.day}"


class DailyPayments(models.Model):
    """The payment attempts made on one shop day, in one currency, with one provider, and
    what came of them (their status now): the payments report's figures."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=30)
    attempted = models.PositiveIntegerField(default=0)
    authorized = models.PositiveIntegerField(default=0)
    captured_count = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    voided = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    authorized_amount = money_field(default=0)
    captured = money_field(default=0)
    refunded = money_field(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "currency"], name="payments_day_idx")]

    def __str__(self) -> str:
        return f"{self.provider} on {self.day}"
