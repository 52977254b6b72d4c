"""The reporting read model (docs/analytics.md): facts copied from the orders and payments
tables when their events are dispatched, and daily roll-ups summed from the facts. Reports
read the roll-ups only.

Every fact of an order (the order, its lines, its refunds, its returns) is written again, all
together, whenever anything about the order happens, so a fact never drifts from its order.
Amounts are stated as the order states them (with tax when its prices include tax); `day` is
the shop's day (settings.SHOP_TIME_ZONE) of the moment the fact is about.
"""

from django.db import models

from mercato.core.models import money_field


def copied_from(model: str) -> "models.OneToOneField[models.Model, models.Model]":
    """The row a fact is copied from, which is also its key: the fact goes with the row."""
    return models.OneToOneField(model, on_delete=models.CASCADE, primary_key=True, related_name="+")


class OrderFact(models.Model):
    """One placed order."""

    order = copied_from("orders.Order")
    currency = models.CharField(max_length=3)
    placed_at = models.DateTimeField()
    day = models.DateField(help_text="The shop's day the order was placed.")
    status = models.CharField(max_length=20)
    counted = models.BooleanField(help_text="Its status is one the reports count.")
    country = models.CharField(max_length=2, blank=True)
    shipping_method = models.CharField(max_length=200, blank=True)
    customer_id = models.IntegerField(null=True, blank=True)
    payment_provider = models.CharField(
        max_length=30, blank=True, help_text="The provider of its latest payment that did not fail."
    )
    gross = money_field(help_text="The lines before every discount.")
    discounts = money_field(help_text="Promotions and the voucher.")
    shipping = money_field(help_text="Shipping before a free-shipping voucher.")
    tax = money_field()
    total = money_field()
    units = models.PositiveIntegerField()
    shipping_net = money_field(default=0, help_text="Shipping as charged, without tax.")
    shipping_tax = money_field(default=0)
    shipping_tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=0)
    vat_number = models.CharField(max_length=20, blank=True, help_text="The buyer's.")
    reverse_charge = models.BooleanField(default=False)
    voucher_code = models.CharField(max_length=100, blank=True)
    voucher_discount = money_field(default=0, help_text="What the voucher took off.")

    class Meta:
        indexes = [
            models.Index(fields=["day", "currency"], name="analytics_order_day_idx"),
            # a customer's first order (the customers report)
            models.Index(
                fields=["customer_id", "currency", "day"], name="analytics_order_customer_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} on {self.day}"


class OrderPart(models.Model):
    """A fact about part of an order: the order's fact, and the shop day and currency the
    part counts in."""

    order = models.ForeignKey(OrderFact, on_delete=models.CASCADE, related_name="%(class)ss")
    day = models.DateField()
    currency = models.CharField(max_length=3)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["day", "currency"], name="%(class)s_day_idx")]


class OrderLineFact(OrderPart):
    """One line of a placed order (on its order's day, and counted when its order is)."""

    line = copied_from("orders.OrderLine")
    counted = models.BooleanField()
    variant_id = models.IntegerField(null=True, blank=True)
    product_id = models.IntegerField(null=True, blank=True)
    quantity = models.PositiveIntegerField()
    gross = money_field(help_text="Units at the listed price, before discounts.")
    discount = money_field(help_text="Promotion and voucher.")
    net = money_field(help_text="After every discount, without tax.")
    tax = money_field()
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=0)
    returned = models.PositiveIntegerField(default=0, help_text="Units received back.")
    # 1 on the first line (by id) of its order with this product / this variant, else 0: the
    # orders with a product add up with SUM (no distinct count over the lines)
    product_orders = models.PositiveSmallIntegerField(default=0)
    variant_orders = models.PositiveSmallIntegerField(default=0)
    promotion_id = models.IntegerField(null=True, blank=True)
    promotion_name = models.CharField(max_length=200, blank=True)
    promotion_discount = money_field(default=0)
    # the catalog product of `product_id` (no column: reports join through it)
    catalog_product = models.ForeignObject(
        "catalog.Product",
        on_delete=models.DO_NOTHING,
        from_fields=["product_id"],
        to_fields=["id"],
        null=True,
        related_name="+",
    )

    class Meta(OrderPart.Meta):
        indexes = [
            *OrderPart.Meta.indexes,
            models.Index(fields=["product_id", "day"], name="orderlinefact_product_idx"),
            # units sold of a variant (the stock report)
            models.Index(fields=["variant_id", "day"], name="orderlinefact_variant_idx"),
        ]

    def __str__(self) -> str:
        return f"line {self.line_id} of order {self.order_id}"


class RefundFact(OrderPart):
    """Money given back: one successful refund transaction, on the day it happened."""

    transaction = copied_from("payments.Transaction")
    refunded_at = models.DateTimeField()
    counted = models.BooleanField(help_text="Its order counts.")
    amount = money_field()

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.day}"


class ReturnFact(OrderPart):
    """A return of an order as it stands, on the day it was requested."""

    order_return = copied_from("orders.Return")
    status = models.CharField(max_length=20)
    refunded_day = models.DateField(null=True, blank=True)
    units = models.PositiveIntegerField()
    refund_amount = money_field()

    def __str__(self) -> str:
        return f"return {self.order_return_id} ({self.status})"


class PaymentFact(OrderPart):
    """One payment attempt of a placed order, as it stands, on the shop day it was made.
    `authorized` is its amount when the provider holds or held the money (its status is one
    of Payment.AUTHORIZED_STATES), else 0; `captured` and `refunded` add up its successful
    capture and refund transactions."""

    payment = copied_from("payments.Payment")
    provider = models.CharField(max_length=30)
    status = models.CharField(max_length=20)
    amount = money_field(help_text="What the attempt was for.")
    authorized = money_field()
    captured = money_field()
    refunded = money_field()

    def __str__(self) -> str:
        return f"payment {self.payment_id} ({self.status})"


class DailySales(models.Model):
    """The counted sales of one shop day in one currency. `refunds` are the refunds made that
    day (of orders placed on any day); net = gross - discounts - refunds; total = the order
    totals - refunds."""

    day = models.DateField()
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    gross = money_field(default=0)
    discounts = money_field(default=0)
    refunds = money_field(default=0)
    net = money_field(default=0)
    shipping = money_field(default=0)
    tax = money_field(default=0)
    total = money_field(default=0)

    class Meta:
        ordering = ["day", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["day", "currency"], name="analytics_daily_day_uniq")
        ]
        verbose_name_plural = "daily sales"

    def __str__(self) -> str:
        return f"{self.day} {self.currency}"


class DailyCarts(models.Model):
    """The carts created on one shop day in one currency (merged guest carts left out), as
    they stood when last summed: with lines, turned into an order, abandoned (lines, no
    order, untouched ANALYTICS_CART_ABANDONED_HOURS) and the abandoned carts' subtotal."""

    pk = models.CompositePrimaryKey("day", "currency")
    day = models.DateField()
    currency = models.CharField(max_length=3)
    created = models.PositiveIntegerField(default=0)
    with_lines = models.PositiveIntegerField(default=0)
    converted = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    abandoned_value = money_field(default=0, help_text="The abandoned carts' subtotal.")

    class Meta:
        verbose_name_plural = "daily carts"

    def __str__(self) -> str:
        return f"carts of {self.day} {self.currency}"


from mercato.analytics.events_models import *  # noqa: E402, F403
from mercato.analytics.rollup_models import *  # noqa: E402, F403
from mercato.analytics.tax_models import *  # noqa: E402, F403
