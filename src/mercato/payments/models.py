"""Every money movement of an order.

A `Payment` is one way the shopper pays (a card through the test processor, a bank transfer)
for one amount. Its amounts only grow: `captured_amount` (money taken), `refunded_amount`
(money given back) and `voided_amount` (authorised money released without being taken). The
database holds `refunded <= captured` and `captured + voided <= amount`. Its status follows
from those amounts (see `Payment.derive_status`).

A `Transaction` is one attempt at the provider (authorise, capture, void, refund, or a change a
webhook told us about), successful or not, with the provider's answer (never card data).

A `WebhookDelivery` is one webhook received, kept to drop duplicates and for audit.

`SimulatedCharge` is the state of the built-in test card processor: it plays a remote
service, so it keeps its own books, apart from ours.
"""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from mercato.core.models import money_field

ZERO = Decimal("0")


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"  # waiting for the money (bank transfer) or the processor (async)
        ACTION_REQUIRED = "action_required"  # the shopper must confirm (3-D Secure)
        AUTHORIZED = "authorized"
        PARTIALLY_CAPTURED = "partially_captured"
        CAPTURED = "captured"
        PARTIALLY_REFUNDED = "partially_refunded"
        REFUNDED = "refunded"
        VOIDED = "voided"
        FAILED = "failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=30)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    amount = money_field(help_text="What this payment is for.")
    currency = models.CharField(max_length=3)
    captured_amount = money_field(default=ZERO)
    refunded_amount = money_field(default=ZERO)
    voided_amount = money_field(
        default=ZERO, help_text="Authorised, then released without being captured."
    )
    provider_reference = models.CharField(max_length=100, blank=True, db_index=True)
    action = models.JSONField(
        null=True,
        blank=True,
        help_text="What the shopper's client must do next (3-D Secure), while action required.",
    )
    failure_code = models.CharField(max_length=50, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    # brand and last four digits as the provider reports them (not card data under PCI DSS)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["order", "-created_at"], name="payment_order_created_idx"),
            models.Index(fields=["status", "-created_at"], name="payment_status_created_idx"),
            models.Index(fields=["provider", "-created_at"], name="payment_provider_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(captured_amount__gte=0, refunded_amount__gte=0, voided_amount__gte=0),
                name="payment_amounts_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("captured_amount")),
                name="payment_refunded_lte_captured",
            ),
            models.CheckConstraint(
                condition=Q(captured_amount__lte=F("amount"), voided_amount__lte=F("amount")),
                name="payment_captured_lte_amount",
            ),
            # captured + voided <= amount. SQLite adds decimals as floats (29.95 - 14.97 is
            # 14.979999…), so the sum gets half a cent of slack: a real excess is a cent or more.
            models.CheckConstraint(
                condition=Q(
                    captured_amount__lte=F("amount") - F("voided_amount") + Decimal("0.005")
                ),
                name="payment_captured_voided_lte_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} ({self.status})"

    AUTHORIZED_STATES = frozenset(
        {
            Status.AUTHORIZED,
            Status.PARTIALLY_CAPTURED,
            Status.CAPTURED,
            Status.PARTIALLY_REFUNDED,
            Status.REFUNDED,
        }
    )
    OPEN_STATES = frozenset({Status.PENDING, Status.ACTION_REQUIRED})

    @property
    def is_authorized(self) -> bool:
        """The provider holds (or held) the money for us."""
        return self.status in self.AUTHORIZED_STATES

    @property
    def capturable_amount(self) -> Decimal:
        """Authorised and neither captured nor released yet."""
        if not self.is_authorized:
            return ZERO
        return self.amount - self.captured_amount - self.voided_amount

    @property
    def refundable_amount(self) -> Decimal:
        return self.captured_amount - self.refunded_amount

    def derive_status(self) -> str:
        """The status an authorised payment's amounts call for."""
        S = self.Status
        if self.refunded_amount > 0:
            if self.refunded_amount >= self.captured_amount and self.capturable_amount <= 0:
                return S.REFUNDED
            return S.PARTIALLY_REFUNDED
        if self.captured_amount <= 0:
            return S.VOIDED if self.voided_amount > 0 else S.AUTHORIZED
        if self.capturable_amount > 0:
            return S.PARTIALLY_CAPTURED
        return S.CAPTURED


class Transaction(models.Model):
    """One attempt at the provider, as it went. Append-only."""

    class Kind(models.TextChoices):
        AUTHORIZE = "authorize"
        CAPTURE = "capture"
        VOID = "void"
        REFUND = "refund"
        WEBHOOK = "webhook"  # a status the provider told us about later (async, 3-D Secure)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="transactions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = money_field()
    success = models.BooleanField()
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=255)
    reference = models.CharField(
        max_length=100, blank=True, help_text="Why, for the books (e.g. return:<id>)."
    )
    reason = models.CharField(max_length=500, blank=True)
    actor_label = models.CharField(max_length=254, default="system")
    raw_response = models.JSONField(default=dict, blank=True, help_text="Never card data.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["payment", "-created_at"], name="transaction_payment_idx"),
            models.Index(fields=["reference"], name="transaction_reference_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "kind", "idempotency_key"],
                name="transaction_idempotency_uniq",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="transaction_amount_gte_0"),
        ]

    def __str__(self) -> str:
        outcome = "ok" if self.success else f"failed: {self.error_code}"
        return f"{self.kind} {self.amount} ({outcome})"


class WebhookDelivery(models.Model):
    """A webhook as it arrived. The payload is kept only when its signature holds (a forged
    body is not trusted with a place in the database): then only its size and hash."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=100, blank=True)
    event_type = models.CharField(max_length=100, blank=True)
    signature_ok = models.BooleanField()
    processed = models.BooleanField(default=False)
    outcome = models.CharField(max_length=300, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks"
    )
    payload = models.JSONField(null=True, blank=True)
    body_sha256 = models.CharField(max_length=64)
    body_size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    duplicate: bool  # not stored: handle_webhook sets it on the delivery it answers with

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"],
                condition=~Q(event_id=""),
                name="webhook_delivery_event_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type or '?'} {self.event_id or '(unsigned)'}"


class SimulatedCharge(models.Model):
    """The test card processor's own books, as a remote processor would keep them."""

    class Status(models.TextChoices):
        REQUIRES_ACTION = "requires_action"
        PROCESSING = "processing"
        AUTHORIZED = "authorized"
        VOIDED = "voided"
        FAILED = "failed"

    reference = models.CharField(max_length=40, unique=True)
    token = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=Status.choices)
    amount = money_field()
    currency = models.CharField(max_length=3)
    captured = money_field(default=ZERO)
    refunded = money_field(default=ZERO)
    failure_code = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded__lte=F("captured"), captured__lte=F("amount")),
                name="simulated_charge_amounts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"
