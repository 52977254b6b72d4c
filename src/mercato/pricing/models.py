import secrets
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Self, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from mercato.core.models import money_field


class TaxClass(models.Model):
    """What kind of goods a rate applies to ("standard", "reduced", "zero" …). Products of a
    type without a class use "standard"."""

    STANDARD = "standard"

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "tax classes"

    def __str__(self) -> str:
        return self.name


class TaxRate(models.Model):
    """The rate of a tax class in one country (0.1900 is 19 %)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tax_class = models.ForeignKey(TaxClass, on_delete=models.CASCADE, related_name="rates")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code.")
    rate = models.DecimalField(max_digits=6, decimal_places=4, help_text="0.1900 is 19 %.")

    class Meta:
        ordering = ["country", "tax_class__slug"]
        constraints = [
            models.UniqueConstraint(fields=["tax_class", "country"], name="tax_rate_class_country"),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lt=1), name="tax_rate_between_0_and_1"
            ),
        ]
        indexes = [models.Index(fields=["country"], name="tax_rate_country_idx")]

    def __str__(self) -> str:
        return f"{self.country} {self.tax_class_id}: {self.rate * 100:.2f} %"


class TaxSettings(models.Model):
    """The shop's tax rules: one row (pk 1), edited in the back office."""

    prices_include_tax = models.BooleanField(
        default=True, help_text="Prices are entered with tax (gross), as EU shops show them."
    )
    tax_shipping = models.BooleanField(default=True)
    shipping_tax_class = models.ForeignKey(
        TaxClass,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: the standard class.",
    )
    origin_country = models.CharField(max_length=2, default="DE")
    oss_threshold_exceeded = models.BooleanField(
        default=False,
        help_text="EU one-stop shop: above the EUR 10,000 threshold, B2C sales to other EU "
        "countries are taxed at the destination country's rate (below it, at the origin's).",
    )
    reverse_charge_requires_destination_country = models.BooleanField(
        default=True,
        help_text="Reverse charge (no VAT) only for a VAT number of the country the goods go "
        "to, where the intra-EU acquisition is taxed. Off: a VAT number of any EU country "
        "other than the origin will do.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "tax settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="tax_settings_single_row")]

    def __str__(self) -> str:
        return "Tax settings"


class ProductTypeTaxClass(models.Model):
    """The tax class of a product type's products."""

    product_type = models.OneToOneField(
        "catalog.ProductType", on_delete=models.CASCADE, related_name="tax_class_link"
    )
    tax_class = models.ForeignKey(TaxClass, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "product type tax class"

    def __str__(self) -> str:
        return f"{self.product_type}: {self.tax_class}"


_Discount = TypeVar("_Discount", bound=models.Model)


class DiscountQuerySet(models.QuerySet[_Discount]):
    def running(self, now: datetime | None = None) -> Self:
        """Active and inside the date window now."""
        now = now or timezone.now()
        return self.filter(is_active=True, starts_at__lte=now).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )


class Discount(models.Model):
    """What promotions and vouchers share: the products and categories they target, a date
    window with an on/off switch (`DiscountQuerySet.running`), and timestamps."""

    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    categories = models.ManyToManyField(
        "catalog.Category", blank=True, related_name="+", help_text="Subcategories included."
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DiscountQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class Promotion(Discount):
    """An automatic sale: a percentage or a fixed amount off the unit price of the products
    it targets (products, categories with their subcategories, collections), in a date window.
    A promotion without targets applies to nothing."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage"
        FIXED = "fixed", "Fixed amount per unit"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = money_field(help_text="Percent (0-100) or an amount per unit.")
    currency = models.CharField(
        max_length=3, default=settings.STORE_CURRENCY, help_text="Of a fixed amount."
    )
    collections = models.ManyToManyField("catalog.Collection", blank=True, related_name="+")

    class Meta(Discount.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="promotion_value_gte_0"),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__lte=100),
                name="promotion_percentage_lte_100",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="promotion_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["is_active", "starts_at", "ends_at"], name="promotion_window_idx")
        ]

    def __str__(self) -> str:
        return self.name


class Voucher(Discount):
    """A code a shopper enters: a percentage or fixed amount off the order (or off given
    products and categories), or free shipping, under limits."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage"
        FIXED = "fixed", "Fixed amount"
        FREE_SHIPPING = "free_shipping", "Free shipping"

    class AppliesTo(models.TextChoices):
        ORDER = "order", "The whole order"
        SPECIFIC = "specific", "Given products and categories"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=50, unique=True, help_text="Stored in capitals.")
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = money_field(default=Decimal("0"), help_text="Percent (0-100) or an amount.")
    currency = models.CharField(
        max_length=3, default=settings.STORE_CURRENCY, help_text="Of amounts."
    )
    applies_to = models.CharField(max_length=10, choices=AppliesTo.choices, default=AppliesTo.ORDER)
    min_subtotal = money_field(default=Decimal("0"))
    min_quantity = models.PositiveIntegerField(default=0)
    usage_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no limit.")
    usage_limit_per_customer = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: no limit."
    )
    times_used = models.PositiveIntegerField(default=0, editable=False)
    combine_with_promotions = models.BooleanField(
        default=True,
        help_text="When off, lines already discounted by a promotion are not discounted again.",
    )

    class Meta(Discount.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(code=Upper("code")), name="voucher_code_upper"),
            models.CheckConstraint(condition=Q(value__gte=0), name="voucher_value_gte_0"),
            models.CheckConstraint(
                condition=~Q(kind="percentage") | Q(value__lte=100),
                name="voucher_percentage_lte_100",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=F("usage_limit")),
                name="voucher_used_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="voucher_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class VoucherRedemption(models.Model):
    """One use of a voucher by an order."""

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(blank=True, help_text="Lower case.")
    order_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["voucher", "order_reference"],
                condition=~Q(order_reference=""),
                name="redemption_voucher_order_uniq",
            )
        ]
        indexes = [
            models.Index(fields=["voucher", "user"], name="redemption_voucher_user_idx"),
            models.Index(fields=["voucher", "email"], name="redemption_voucher_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_id} by {self.email or self.user_id} ({self.order_reference})"


class PricingState(models.Model):
    """One row (pk 1): the version of the store-wide rules a checkout is priced with (tax
    settings, tax classes and rates, the tax class of each product type, promotions with
    their targets; the checkout adds its shipping zones, methods and brackets). Processes
    keep those rules in memory under this version (`pricing.selectors.pricing_rules`); any
    saved or deleted row of them sets a new random version in the same transaction (signals
    below, `bump_pricing_version`), so every process reloads at its next read. A random
    value, not a counter: a rolled-back change never brings back a version that some process
    cached with other data. Writes that bypass signals (queryset.update, bulk_create, raw
    SQL) must call `bump_pricing_version()`."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"pricing version {self.version}"


def bump_pricing_version(**_: object) -> None:
    """Give the store-wide pricing rules a new version (inside the current transaction)."""
    version = secrets.randbits(62)
    if not PricingState.objects.filter(pk=1).update(version=version):
        PricingState.objects.update_or_create(pk=1, defaults={"version": version})


def _bump_after_m2m(action: str, **_: object) -> None:
    if action.startswith("post_"):
        bump_pricing_version()


def _connect_bumps() -> None:
    for model in (TaxClass, TaxRate, TaxSettings, ProductTypeTaxClass, Promotion):
        uid = f"mercato.pricing.bump.{model.__name__}"
        post_save.connect(bump_pricing_version, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(bump_pricing_version, sender=model, dispatch_uid=f"{uid}.delete")
    for field in ("products", "categories", "collections"):
        through = getattr(Promotion, field).through
        m2m_changed.connect(
            _bump_after_m2m, sender=through, dispatch_uid=f"mercato.pricing.bump.m2m.{field}"
        )


_connect_bumps()
