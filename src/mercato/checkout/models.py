import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


def new_token() -> str:
    return uuid.uuid4().hex


class Cart(models.Model):
    """A shopper's cart and checkout. A guest reaches it by its unguessable `token`; a
    customer's cart also needs the customer's access token. Lines reserve stock."""

    class Status(models.TextChoices):
        OPEN = "open"
        COMPLETED = "completed"
        MERGED = "merged", "Merged into a customer's cart"

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="carts",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    currency = models.CharField(max_length=3, default=settings.STORE_CURRENCY)
    email = models.EmailField(blank=True)
    shipping_address = models.JSONField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    shipping_method_id = models.CharField(max_length=64, blank=True)
    voucher_code = models.CharField(max_length=100, blank=True)
    vat_number = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="cart"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    expires_at = models.DateTimeField(db_index=True)

    if TYPE_CHECKING:
        lines: RelatedManager["CartLine"]
        # Not columns: set by the reads and services that need them.
        line_snapshot: list["CartLine"]  # the lines a service just read (checkout.services)
        lines_n: int  # the back office's list
        value_sum: Decimal

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(
                fields=["user", "-updated_at"],
                name="cart_user_open_idx",
                condition=Q(status="open"),
            )
        ]

    def __str__(self) -> str:
        return f"cart {self.token[:8]}…"


class CartLine(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="+"
    )
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="The price the shopper saw when adding it."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    if TYPE_CHECKING:
        # Not columns: what the cart's reservation holds of the line (selectors.list_cart_lines).
        quantity_reserved: int
        quantity_short: int

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_variant_uniq"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_line_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.variant_id}"
