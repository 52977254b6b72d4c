"""Shipping zones, the methods offered in each, and the brackets that price them.

Matching rules (also in `selectors.list_available_methods`):

- a zone serves the countries it lists; a country may sit in several zones, and then the
  methods of every active zone holding it are offered;
- a method's limits are inclusive at both ends: `min_weight_grams <= weight <= max_weight_grams`
  and `min_order_value <= subtotal <= max_order_value` (an empty limit is no limit);
- a bracket covers `min_value <= value < max_value` (min inclusive, max exclusive, an empty
  max is open-ended), so brackets 0-2000 and 2000-5000 meet without a gap or an overlap: 2000 g
  falls in the second;
- a method of a bracket kind serves only values one of its brackets covers;
- `free_above`: a subtotal at or above it ships for nothing.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from mercato.core.models import money_field

MAX_AMOUNT = Decimal("9999999999.99")  # what DecimalField(12, 2) holds
MAX_WEIGHT_GRAMS = 100_000_000  # 100 t
MAX_DELIVERY_DAYS = 365


def _in_order(low: str, high: str, *, name: str) -> models.CheckConstraint:
    """`low <= high` where both limits are set."""
    return models.CheckConstraint(
        condition=Q(**{f"{low}__isnull": True})
        | Q(**{f"{high}__isnull": True})
        | Q(**{f"{low}__lte": F(high)}),
        name=name,
    )


def store_currency() -> str:
    return settings.STORE_CURRENCY


class ShippingZone(models.Model):
    """A set of countries (ISO 3166-1 alpha-2 codes) with the methods that ship there."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    countries = models.JSONField(
        default=list, blank=True, help_text="ISO 3166-1 alpha-2 codes, e.g. DE, AT, FR."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["is_active"], name="shipzone_active_idx")]

    def __str__(self) -> str:
        return self.name

    def covers(self, country: str) -> bool:
        return country in (self.countries or [])


class ShippingMethod(models.Model):
    """One way of shipping to a zone, priced flat, by weight brackets or by order-value
    brackets; free from `free_above`; offered within its weight and order-value limits."""

    class Kind(models.TextChoices):
        FLAT = "flat", "Flat price"
        WEIGHT = "weight", "By weight (brackets in grams)"
        ORDER_VALUE = "order_value", "By order value (brackets in money)"

    BRACKET_KINDS = (Kind.WEIGHT, Kind.ORDER_VALUE)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="methods")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FLAT)
    price = money_field(default=Decimal("0.00"), help_text="The price of a flat method.")
    currency = models.CharField(max_length=3, default=store_currency)
    free_above = money_field(
        null=True, blank=True, help_text="An order subtotal at or above this ships for free."
    )
    min_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    max_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    min_order_value = money_field(null=True, blank=True)
    max_order_value = money_field(null=True, blank=True)
    min_delivery_days = models.PositiveSmallIntegerField(null=True, blank=True)
    max_delivery_days = models.PositiveSmallIntegerField(null=True, blank=True)
    tax_class_slug = models.CharField(
        max_length=100, blank=True, help_text="The tax class of the shipping charge (a slug)."
    )
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="shipmethod_price_gte_0"),
            models.CheckConstraint(
                condition=Q(free_above__isnull=True) | Q(free_above__gte=0),
                name="shipmethod_free_above_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(min_order_value__isnull=True) | Q(min_order_value__gte=0),
                name="shipmethod_min_value_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(max_order_value__isnull=True) | Q(max_order_value__gte=0),
                name="shipmethod_max_value_gte_0",
            ),
            _in_order("min_weight_grams", "max_weight_grams", name="shipmethod_weight_limits"),
            _in_order("min_order_value", "max_order_value", name="shipmethod_value_limits"),
            _in_order("min_delivery_days", "max_delivery_days", name="shipmethod_delivery_days"),
            models.CheckConstraint(
                condition=Q(kind__in=["flat", "weight", "order_value"]), name="shipmethod_kind"
            ),
        ]
        indexes = [
            models.Index(fields=["zone", "is_active", "sort_order"], name="shipmethod_zone_idx")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def uses_brackets(self) -> bool:
        return self.kind in self.BRACKET_KINDS


class ShippingRate(models.Model):
    """A price bracket of a weight (values in grams) or order-value (values in money) method:
    it covers `min_value <= value < max_value`; an empty max is open-ended."""

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="rates")
    min_value = money_field(default=Decimal("0.00"))
    max_value = money_field(null=True, blank=True)
    price = money_field()

    class Meta:
        ordering = ["method", "min_value", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(min_value__gte=0), name="shiprate_min_gte_0"),
            models.CheckConstraint(condition=Q(price__gte=0), name="shiprate_price_gte_0"),
            models.CheckConstraint(
                condition=Q(max_value__isnull=True) | Q(max_value__gt=F("min_value")),
                name="shiprate_max_gt_min",
            ),
            models.UniqueConstraint(
                fields=["method", "min_value"], name="shiprate_method_min_uniq"
            ),
        ]

    def __str__(self) -> str:
        upper = "" if self.max_value is None else f"{self.max_value}"
        return f"[{self.min_value}, {upper or '∞'}) → {self.price}"

    def covers(self, value: Decimal | int) -> bool:
        return self.min_value <= value and (self.max_value is None or value < self.max_value)
