"""The tax reports' reporting model (docs/analytics.md, "Tax roll-ups"): the split of each
refund over its order's rates, written with the order's facts, and the `DailyTax` roll-up
summed from the line, order and refund-part facts, so that the tax reports over two years
read a few rows a day and never the facts."""

from django.db import models

from mercato.analytics.models import OrderPart, RefundFact
from mercato.core.models import money_field

__all__ = ["DailyTax", "RefundTaxPart"]


class RefundTaxPart(OrderPart):
    """The part of a refund given back at one of its order's rates (`split_refund`: in
    proportion to what the order charged at each, with tax), on the refund's day and in its
    currency: the taxable amount and the tax it takes off."""

    refund = models.ForeignKey(RefundFact, on_delete=models.CASCADE, related_name="tax_parts")
    rate = models.DecimalField(max_digits=6, decimal_places=4)
    taxable = money_field()
    tax = money_field()

    class Meta(OrderPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["refund", "rate"], name="refund_tax_part_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.taxable} + {self.tax} at {self.rate} of refund {self.refund_id}"


class DailyTax(models.Model):
    """The tax reports' figures of one shop day, in one currency, for one (shipping country,
    rate, reverse charge, buyer VAT number): the taxable amount and tax of the counted
    orders' lines and shipping placed that day, less the parts at that rate of the refunds
    made that day, and how many orders were placed (counted on their shipping's rate).
    Lines, shipping and refunds are separate rows."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    country = models.CharField(max_length=2, blank=True)
    rate = models.DecimalField(max_digits=6, decimal_places=4)
    reverse_charge = models.BooleanField()
    vat_number = models.CharField(max_length=20, blank=True)
    orders = models.PositiveIntegerField(default=0)
    taxable = money_field(default=0)
    tax = money_field(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "currency"], name="daily_tax_day_idx")]
        verbose_name_plural = "daily taxes"

    def __str__(self) -> str:
        return f"{self.country} {self.rate} on {self.day}"
