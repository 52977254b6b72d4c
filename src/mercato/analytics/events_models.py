"""The shoppers' path (docs/analytics.md, "Storefront events"): raw storefront events as the
store sent them, and the daily roll-ups the funnel, product and search reports read.

Raw events hold no IP address; they are kept ANALYTICS_EVENT_RETENTION_DAYS, the roll-ups
for good (they hold no person). `day` is the shop's day (settings.SHOP_TIME_ZONE) of the
moment the event happened, as the store's clock saw it.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

__all__ = [
    "DailyProductTraffic",
    "DailySearchTerm",
    "DailyTraffic",
    "StorefrontEvent",
    "TrafficState",
]


class StorefrontEvent(models.Model):
    """One thing a shopper did, or the order a session ended with (`order_placed`, recorded
    by the server from `order.created`)."""

    class Type(models.TextChoices):
        PRODUCT_VIEWED = "product_viewed"
        LIST_VIEWED = "list_viewed"
        SEARCH = "search"
        ADDED_TO_CART = "added_to_cart"
        CHECKOUT_STARTED = "checkout_started"
        ORDER_PLACED = "order_placed"

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(max_length=20, choices=Type.choices)
    visitor_id = models.UUIDField(help_text="The browser's anonymous id (the store makes it).")
    session_id = models.UUIDField()
    customer_id = models.IntegerField(
        null=True, blank=True, help_text="The signed-in customer who sent it."
    )
    occurred_at = models.DateTimeField(help_text="When it happened, by the store's clock.")
    received_at = models.DateTimeField(default=timezone.now)
    day = models.DateField(help_text="The shop's day of `occurred_at`.")
    product_id = models.IntegerField(null=True, blank=True)
    variant_id = models.IntegerField(null=True, blank=True)
    list_name = models.CharField(max_length=100, blank=True)
    search_term = models.CharField(max_length=100, blank=True, help_text="Normalised.")
    result_count = models.PositiveIntegerField(null=True, blank=True)
    cart_key = models.CharField(
        max_length=64, blank=True, help_text="A digest of the cart's token, never the token."
    )
    order_id = models.IntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="storefront_event_day_idx"),
            models.Index(fields=["received_at"], name="storefront_event_received_idx"),
            models.Index(fields=["visitor_id"], name="storefront_event_visitor_idx"),
            models.Index(
                fields=["cart_key"], name="storefront_event_cart_idx", condition=~Q(cart_key="")
            ),
            models.Index(
                fields=["customer_id"],
                name="storefront_event_customer_idx",
                condition=Q(customer_id__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order_id"],
                condition=Q(type="order_placed"),
                name="storefront_event_one_order_placed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} in session {self.session_id}"


class DailyTraffic(models.Model):
    """The sessions of one shop day and how far along the path they went (a session with
    events on two days counts on each)."""

    day = models.DateField(primary_key=True)
    sessions = models.PositiveIntegerField(default=0)
    product_view_sessions = models.PositiveIntegerField(default=0)
    cart_sessions = models.PositiveIntegerField(default=0, help_text="With an add to cart.")
    checkout_sessions = models.PositiveIntegerField(default=0)
    order_sessions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily traffic"

    def __str__(self) -> str:
        return f"traffic of {self.day}"


class DayRollup(models.Model):
    """A roll-up row of one shop day and one thing, keyed by both (no surrogate id): the
    rows of a day are summed again together from its raw events."""

    day = models.DateField()

    class Meta:
        abstract = True


class DailyProductTraffic(DayRollup):
    """Views and adds to cart of one product on one shop day."""

    pk = models.CompositePrimaryKey("day", "product_id")
    product_id = models.IntegerField()
    views = models.PositiveIntegerField(default=0)
    add_to_carts = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["product_id", "day"], name="product_traffic_idx")]
        verbose_name_plural = "daily product traffic"

    def __str__(self) -> str:
        return f"product {self.product_id} on {self.day}"


class DailySearchTerm(DayRollup):
    """The searches for one (normalised) term on one shop day, and how many found nothing."""

    pk = models.CompositePrimaryKey("day", "term")
    term = models.CharField(max_length=100)
    searches = models.PositiveIntegerField(default=0)
    no_result = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.term!r} on {self.day}"


class TrafficState(models.Model):
    """One row: the roll-ups hold every event received before `rolled_up_to` (less a
    margin for transactions that committed late)."""

    rolled_up_to = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rolled up to {self.rolled_up_to}"
