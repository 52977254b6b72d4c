import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from mercato.core.models import money_field


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
    shipping_net = money_field(default=0)
    shipping_tax = money_field(default=0)
    shipping_gross = money_field(default=0)
    shipping_tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=0)
    # The totals the customer sees (pricing.pipeline.Totals, stated as prices are entered:
    # with tax when prices_include_tax): subtotal - voucher_discount + shipping_price
    # (+ tax_total when prices are net) = total_gross. db_default: a process still running
    # the code before them can place orders while the new code rolls out.
    subtotal = money_field(
        default=0,
        db_default=0,
        help_text="The lines after promotions, before the voucher.",
    )
    voucher_discount = money_field(
        default=0,
        db_default=0,
        help_text="What the voucher took off the lines and the shipping.",
    )
    shipping_price = money_field(
        default=0, db_default=0, help_text="Shipping before the voucher (free shipping)."
    )
    # net and gross sums of the lines after every discount, and the order's net and gross
    subtotal_net = money_field(default=0)
    subtotal_gross = money_field(default=0)
    discount_total = money_field(default=0, help_text="Promotions and the voucher.")
    tax_total = money_field(default=0)
    total_net = money_field(default=0)
    total_gross = money_field(default=0)
    prices_include_tax = models.BooleanField(default=True)
    voucher_code = models.CharField(max_length=100, blank=True)
    vat_number = models.CharField(max_length=20, blank=True)
    reverse_charge = models.BooleanField(default=False)
    tax_note = models.CharField(max_length=300, blank=True)
    customer_note = models.TextField(blank=True)
    # what payments have done so far; kept by payments.services, read by lists and the status
    total_authorized = money_field(default=0)
    total_charged = money_field(default=0)
    total_refunded = money_field(default=0)
    origin = models.CharField(
        max_length=20,
        choices=[("checkout", "Checkout"), ("draft", "Draft (staff)")],
        default="checkout",
    )
    placed_at = models.DateTimeField(null=True, blank=True, help_text="Empty for a draft.")
    cancelled_at = models.DateTimeField(null=True, blank=True)
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
            models.Index(
                fields=["payment_status", "-created_at"], name="order_payment_created_idx"
            ),
            models.Index(fields=["origin", "-created_at"], name="order_origin_created_idx"),
            # the admin list's email filter is case-insensitive (UPPER(email) = UPPER(%s))
            models.Index(Upper("email"), name="order_email_upper_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_gross__gte=0), name="order_total_gte_0"),
            models.CheckConstraint(
                condition=Q(total_refunded__lte=models.F("total_charged")),
                name="order_refunded_lte_charged",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def reference(self) -> str:
        """How other apps (inventory allocations, voucher uses) refer to this order."""
        return str(self.number)

    @property
    def amount_due(self) -> Decimal:
        """What is left to charge: the total less what was charged and kept."""
        return max(self.total_gross - self.total_charged, Decimal("0"))


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
    unit_price = money_field(help_text="As listed, before discounts.")
    unit_price_discounted = money_field()
    promotion_discount = money_field(default=0)
    promotion_id = models.IntegerField(
        null=True, blank=True, help_text="The promotion that priced the line (kept if deleted)."
    )
    promotion_name = models.CharField(max_length=200, blank=True)
    voucher_discount = money_field(default=0)
    total_net = money_field()
    total_tax = money_field()
    total_gross = money_field()
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4)
    tax_class = models.CharField(max_length=50, blank=True)
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    quantity_returned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(quantity_fulfilled__lte=models.F("quantity")),
                name="order_line_fulfilled_lte_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_returned__lte=models.F("quantity_fulfilled")),
                name="order_line_returned_lte_fulfilled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.sku}"

    @property
    def reference(self) -> str:
        """How inventory allocations refer to this line."""
        return str(self.public_id)


class OrderEvent(models.Model):
    """One entry of an order's timeline: who did what, when, with an optional note. Written
    by the services only (status moves, payments, fulfilments, returns, notes, emails)."""

    class Type(models.TextChoices):
        PLACED = "placed"
        DRAFT_CREATED = "draft_created"
        DRAFT_FINALISED = "draft_finalised"
        LINES_EDITED = "lines_edited"
        STATUS_CHANGED = "status_changed"
        PAYMENT_STATUS_CHANGED = "payment_status_changed"
        PAYMENT_AUTHORIZED = "payment_authorized"
        PAYMENT_ACTION_REQUIRED = "payment_action_required"
        PAYMENT_CAPTURED = "payment_captured"
        PAYMENT_VOIDED = "payment_voided"
        PAYMENT_REFUNDED = "payment_refunded"
        PAYMENT_FAILED = "payment_failed"
        MARKED_PAID = "marked_paid"
        FULFILLED = "fulfilled"
        FULFILMENT_SHIPPED = "fulfilment_shipped"
        FULFILMENT_DELIVERED = "fulfilment_delivered"
        FULFILMENT_CANCELLED = "fulfilment_cancelled"
        CANCELLED = "cancelled"
        RETURN_REQUESTED = "return_requested"
        RETURN_APPROVED = "return_approved"
        RETURN_REJECTED = "return_rejected"
        RETURN_RECEIVED = "return_received"
        RETURN_REFUNDED = "return_refunded"
        NOTE_ADDED = "note_added"
        EMAIL_SENT = "email_sent"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=40, choices=Type.choices)
    actor_label = models.CharField(max_length=254, default="system")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    app_id = models.IntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_event_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.type}"


class Fulfilment(models.Model):
    """A parcel: some or all lines of an order, sent from one warehouse."""

    class Status(models.TextChoices):
        CREATED = "created"  # packed, stock taken off the shelf
        SHIPPED = "shipped"
        DELIVERED = "delivered"
        CANCELLED = "cancelled"  # never left: stock is back

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfilments")
    number = models.PositiveIntegerField(help_text="1, 2 … within the order (#10042-2).")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="fulfilments"
    )
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="fulfilment_order_number_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.order}-{self.number}"


class FulfilmentLine(models.Model):
    """Units of one order line in a fulfilment, taken from one stock row (None for a variant
    that does not track inventory)."""

    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="fulfilment_lines"
    )
    stock = models.ForeignKey(
        "inventory.Stock", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="fulfilment_line_qty_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.order_line_id}"


class Return(models.Model):
    """A customer's request to send delivered items back, and what staff made of it."""

    class Status(models.TextChoices):
        REQUESTED = "requested"
        APPROVED = "approved"
        REJECTED = "rejected"
        RECEIVED = "received"
        REFUNDED = "refunded"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns")
    number = models.PositiveIntegerField(help_text="1, 2 … within the order.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField(blank=True)
    staff_note = models.TextField(blank=True)
    refund_shipping = models.BooleanField(default=False)
    refund_amount = money_field(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="return_order_number_uniq")
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="return_status_idx")]

    def __str__(self) -> str:
        return f"{self.order} return {self.number}"


class ReturnLine(models.Model):
    order_return = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="return_lines")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=300, blank=True)
    restock = models.BooleanField(null=True, blank=True, help_text="Decided when received.")
    warehouse = models.ForeignKey(
        "inventory.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_qty_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.order_line_id}"
