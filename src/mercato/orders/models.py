import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

Money = {"max_digits": 12, "decimal_places": 2}


class OrderNumber(models.Model):
    """Hands out human order numbers (#10001, #10002 …) from an auto-increment."""

    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.pk)


class Order(models.Model):
    """A placed order. Everything a customer saw at checkout is copied here (names, SKUs,
    prices, tax rates, addresses), so later catalog edits never change it."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        UNCONFIRMED = "unconfirmed"
        UNFULFILLED = "unfulfilled"
        PARTIALLY_FULFILLED = "partially_fulfilled"
        FULFILLED = "fulfilled"
        PARTIALLY_RETURNED = "partially_returned"
        RETURNED = "returned"
        CANCELLED = "cancelled"

    class PaymentStatus(models.TextChoices):
        NOT_CHARGED = "not_charged"
        PENDING = "pending"
        AUTHORIZED = "authorized"
        PARTIALLY_CHARGED = "partially_charged"
        CHARGED = "charged"
        PARTIALLY_REFUNDED = "partially_refunded"
        REFUNDED = "refunded"
        FAILED = "failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.PositiveIntegerField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNCONFIRMED)
    payment_status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.NOT_CHARGED
    )
    currency = models.CharField(max_length=3)
    shipping_address = models.JSONField(default=dict)
    billing_address = models.JSONField(default=dict)
    shipping_method_id = models.CharField(max_length=64, blank=True)
    shipping_method_name = models.CharField(max_length=200, blank=True)
    shipping_net = models.DecimalField(**Money, default=0)
    shipping_tax = models.DecimalField(**Money, default=0)
    shipping_gross = models.DecimalField(**Money, default=0)
    shipping_tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=0)
    subtotal_net = models.DecimalField(**Money, default=0)
    subtotal_gross = models.DecimalField(**Money, default=0)
    discount_total = models.DecimalField(**Money, default=0)
    tax_total = models.DecimalField(**Money, default=0)
    total_net = models.DecimalField(**Money, default=0)
    total_gross = models.DecimalField(**Money, default=0)
    prices_include_tax = models.BooleanField(default=True)
    voucher_code = models.CharField(max_length=100, blank=True)
    vat_number = models.CharField(max_length=20, blank=True)
    reverse_charge = models.BooleanField(default=False)
    tax_note = models.CharField(max_length=300, blank=True)
    customer_note = models.TextField(blank=True)
    checkout_token = models.CharField(max_length=64, blank=True, db_index=True)
    guest_token = models.CharField(
        max_length=64, unique=True, help_text="Lets a guest open this order from the email."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="order_user_created_idx"),
            models.Index(fields=["status", "-created_at"], name="order_status_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_gross__gte=0), name="order_total_gte_0"),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"


class OrderLine(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.ProductVariant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_name = models.CharField(max_length=250)
    variant_name = models.CharField(max_length=250, blank=True)
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**Money, help_text="As listed, before discounts.")
    unit_price_discounted = models.DecimalField(**Money)
    promotion_discount = models.DecimalField(**Money, default=0)
    voucher_discount = models.DecimalField(**Money, default=0)
    total_net = models.DecimalField(**Money)
    total_tax = models.DecimalField(**Money)
    total_gross = models.DecimalField(**Money)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4)
    tax_class = models.CharField(max_length=50, blank=True)
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    quantity_returned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.sku}"
