import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Warehouse(models.Model):
    """A place stock is kept and shipped from. `countries` lists the ISO codes it ships to
    (empty: everywhere); allocation prefers a lower `priority`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    line1 = models.CharField("address line 1", max_length=200, blank=True)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    countries = models.JSONField(
        default=list, blank=True, help_text="ISO codes it ships to; empty means everywhere."
    )
    priority = models.PositiveIntegerField(default=100, help_text="Lower is chosen first.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name

    def ships_to(self, country: str | None) -> bool:
        return not country or not self.countries or country.upper() in self.countries


class InventoryItem(models.Model):
    """Stock rules of one variant (made on first need): backorders and the low-stock
    threshold, and whether the low-stock signal has been raised."""

    variant = models.OneToOneField(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="inventory_item"
    )
    allow_backorders = models.BooleanField(default=False)
    low_stock_threshold = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: the shop default (LOW_STOCK_THRESHOLD)."
    )
    is_low = models.BooleanField(default=False, editable=False)

    def __str__(self) -> str:
        return f"inventory of {self.variant}"

    @property
    def threshold(self) -> int:
        if self.low_stock_threshold is not None:
            return self.low_stock_threshold
        return settings.LOW_STOCK_THRESHOLD


class Stock(models.Model):
    """A variant in a warehouse: what is on hand and how much of it orders hold."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stocks")
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="stocks"
    )
    quantity = models.IntegerField(default=0, help_text="On hand.")
    quantity_allocated = models.IntegerField(default=0, help_text="Held by placed orders.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse__priority", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "variant"], name="stock_warehouse_variant_uniq"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_quantity_gte_0"),
            models.CheckConstraint(
                condition=Q(quantity_allocated__gte=0), name="stock_allocated_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["variant", "warehouse"], name="stock_variant_idx")]

    def __str__(self) -> str:
        return f"{self.variant} @ {self.warehouse}"

    @property
    def quantity_free(self) -> int:
        """On hand and not allocated (reservations not counted)."""
        return self.quantity - self.quantity_allocated


class Reservation(models.Model):
    """Units a cart holds while its shopper checks out. Counted only until `expires_at`: an
    expired reservation stops counting at once, before any task deletes it.

    `quantity_short`: units the cart asked for that are no longer held, because staff cut
    the stock below what carts reserved (the newest reservations give up their units first,
    see `inventory.services.reapportion_reservations`). The cart must reserve again."""

    reference = models.CharField(max_length=100, help_text="The cart (or other holder).")
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.CASCADE, related_name="reservations"
    )
    quantity = models.PositiveIntegerField(help_text="Held now.")
    quantity_short = models.PositiveIntegerField(
        default=0, help_text="Asked for but lost to a stock cut."
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(
        auto_now_add=True, help_text="When the holder first reserved the variant: its rank."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "variant"], name="reservation_ref_variant_uniq"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0) | Q(quantity_short__gt=0),
                name="reservation_holds_or_short",
            ),
        ]
        indexes = [
            models.Index(fields=["variant", "expires_at"], name="reservation_variant_exp_idx"),
            models.Index(fields=["expires_at"], name="reservation_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.variant_id} for {self.reference}"


class Allocation(models.Model):
    """Units of a stock row held by one order line (a line may draw on several warehouses)."""

    line_reference = models.CharField(max_length=100, db_index=True)
    order_reference = models.CharField(max_length=100, db_index=True, blank=True)
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["line_reference", "stock"], name="allocation_line_stock_uniq"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.stock} for {self.line_reference}"


class StockMovement(models.Model):
    """The ledger: every change of a stock row's on-hand or allocated quantity, with the
    values before and after. `mercato check_stock` proves the rows and the ledger agree."""

    class Kind(models.TextChoices):
        ADJUSTMENT = "adjustment"
        IMPORT = "import"
        TRANSFER_OUT = "transfer_out", "Transfer out"
        TRANSFER_IN = "transfer_in", "Transfer in"
        ALLOCATION = "allocation"
        DEALLOCATION = "deallocation"
        FULFILMENT = "fulfilment"
        RETURN = "return", "Return (restock)"

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity_delta = models.IntegerField(default=0)
    quantity_before = models.IntegerField()
    quantity_after = models.IntegerField()
    allocated_delta = models.IntegerField(default=0)
    allocated_before = models.IntegerField()
    allocated_after = models.IntegerField()
    reason = models.CharField(max_length=250, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order_reference = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_after=F("quantity_before") + F("quantity_delta"))
                & Q(allocated_after=F("allocated_before") + F("allocated_delta")),
                name="movement_arithmetic",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity_delta:+d}/{self.allocated_delta:+d} on {self.stock_id}"
