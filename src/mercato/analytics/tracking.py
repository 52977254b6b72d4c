"""Writing the shoppers' path (docs/analytics.md, "Storefront events").

`record_events` stores a batch from the store in one bulk insert, after checking all of it
(a bad event refuses the whole batch, nothing stored). `record_order_placed` adds the
server's `order_placed` event to the session whose cart became the order. The roll-ups of a
day are summed again from its raw events (`refresh_traffic`): by the housekeeping chore for
the days that got events since its last run, and for every day by `rebuild_traffic`.
"""

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from mercato.analytics.copying import insert_from
from mercato.analytics.events_models import (
    DailyProductTraffic,
    DailySearchTerm,
    DailyTraffic,
    StorefrontEvent,
    TrafficState,
)
from mercato.analytics.events_schemas import StorefrontEventIn
from mercato.analytics.locks import lock_keys
from mercato.analytics.services import local_day
from mercato.catalog.models import Product, ProductVariant
from mercato.checkout.models import Cart
from mercato.core import ratelimit
from mercato.core.errors import InvalidInput, PayloadTooLarge
from mercato.orders.models import Order

Type = StorefrontEvent.Type
# The roll-up chore also sums again what was received this long before its last run: a
# batch whose transaction committed after the run had started is not missed.
LATE_COMMIT_MARGIN = timedelta(minutes=5)
TRAFFIC_LOCK = 0x7472  # the advisory lock of the traffic roll-ups ("tr")


def cart_key(token: str) -> str:
    """What an event keeps of a cart's token: a digest, which links the cart's events to
    its order without storing anything that opens the cart."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def normalised_term(term: str) -> str:
    return re.sub(r"\s+", " ", term).strip().casefold()[:100]


def check_batch(*, events: Sequence[StorefrontEventIn], body_size: int, now: datetime) -> None:
    """413 `payload_too_large` beyond ANALYTICS_EVENTS_MAX_BODY_BYTES; 422
    `invalid_event_time` for a moment without an offset, later than now plus
    ANALYTICS_EVENT_CLOCK_SKEW_SECONDS, or older than ANALYTICS_EVENT_MAX_AGE_HOURS."""
    limit = settings.ANALYTICS_EVENTS_MAX_BODY_BYTES
    if body_size > limit:
        raise PayloadTooLarge(f"An event batch takes at most {limit} bytes.", max_bytes=limit)
    latest = now + timedelta(seconds=settings.ANALYTICS_EVENT_CLOCK_SKEW_SECONDS)
    earliest = now - timedelta(hours=settings.ANALYTICS_EVENT_MAX_AGE_HOURS)
    errors = []
    for index, event in enumerate(events):
        if event.at.tzinfo is None:
            message = "The moment needs an offset (Z or +01:00)."
        elif event.at > latest:
            message = "The moment is in the future."
        elif event.at < earliest:
            message = f"The moment is more than {settings.ANALYTICS_EVENT_MAX_AGE_HOURS} h old."
        else:
            continue
        errors.append({"field": f"events.{index}.at", "message": message})
    if errors:
        raise InvalidInput(
            "Some events have a moment the shop does not take.",
            code="invalid_event_time",
            errors=errors,
        )


def _catalog_ids(
    events: Sequence[StorefrontEventIn],
) -> tuple[dict[UUID, int], dict[UUID, tuple[int, int]]]:
    """The products' ids by public id, and the variants' (id, product id) (two queries at
    most). Ids the catalog does not know (any more) are left out."""
    product_ids = {e.product_id for e in events if e.product_id}
    variant_ids = {e.variant_id for e in events if e.variant_id}
    products: dict[UUID, int] = {}
    variants: dict[UUID, tuple[int, int]] = {}
    if product_ids:
        products = dict(
            Product.objects.filter(public_id__in=product_ids).values_list("public_id", "pk")
        )
    if variant_ids:
        found = ProductVariant.objects.filter(public_id__in=variant_ids).values_list(
            "public_id", "pk", "product_id"
        )
        variants = {public_id: (pk, product) for public_id, pk, product in found}
    return products, variants


def record_events(
    *,
    events: Sequence[StorefrontEventIn],
    consent: bool,
    customer_id: int | None,
    ip: str,
    body_size: int,
) -> int:
    """Store a batch of the store's events (all or none); returns how many. `ip` only
    counts against RATE_LIMIT_ANALYTICS_IP (429 beyond) and is not stored. Without
    consent nothing is stored and the answer is 0."""
    ratelimit.hit_rate("analytics_events:ip", ip, settings.RATE_LIMIT_ANALYTICS_IP)
    now = timezone.now()
    check_batch(events=events, body_size=body_size, now=now)
    if not consent:
        return 0
    products, variants = _catalog_ids(events)
    rows = []
    for event in events:
        variant_id, product_id = (
            variants.get(event.variant_id, (None, None)) if event.variant_id else (None, None)
        )
        if event.product_id:
            product_id = products.get(event.product_id, product_id)
        rows.append(
            StorefrontEvent(
                type=event.type,
                visitor_id=event.visitor_id,
                session_id=event.session_id,
                customer_id=customer_id,
                occurred_at=event.at,
                received_at=now,
                day=local_day(event.at),
                product_id=product_id,
                variant_id=variant_id,
                list_name=event.list_name or "",
                search_term=normalised_term(event.term or ""),
                result_count=event.result_count,
                cart_key=cart_key(event.cart_token) if event.cart_token else "",
            )
        )
    StorefrontEvent.objects.bulk_create(rows)
    return len(rows)


def record_order_placed(*, order_id: int) -> bool:
    """The `order_placed` event of the session the order's cart was last seen in (by the
    digest of its token in the store's `added_to_cart` / `checkout_started` events). An
    order without a cart (a draft staff made) or whose cart the store never reported (no
    consent) gets none. Idempotent: one per order."""
    if StorefrontEvent.objects.filter(type=Type.ORDER_PLACED, order_id=order_id).exists():
        return False
    token = Cart.objects.filter(order_id=order_id).values_list("token", flat=True).first()
    if token is None:
        return False
    seen = (
        StorefrontEvent.objects.filter(cart_key=cart_key(token))
        .order_by("-occurred_at", "-pk")
        .values("visitor_id", "session_id", "customer_id")
        .first()
    )
    order = Order.objects.filter(pk=order_id).values("placed_at", "user_id").first()
    if seen is None or order is None or order["placed_at"] is None:
        return False
    placed_at = order["placed_at"]
    StorefrontEvent.objects.bulk_create(  # ignore: a concurrent dispatch got there first
        [
            StorefrontEvent(
                type=Type.ORDER_PLACED,
                visitor_id=seen["visitor_id"],
                session_id=seen["session_id"],
                customer_id=order["user_id"] or seen["customer_id"],
                occurred_at=placed_at,
                day=local_day(placed_at),
                cart_key=cart_key(token),
                order_id=order_id,
            )
        ],
        ignore_conflicts=True,
    )
    return True


# --- roll-ups -------------------------------------------------------------------------------


def _sessions(type_: str) -> Count:
    return Count("session_id", distinct=True, filter=Q(type=type_))


def _roll_up(days: list[date] | None) -> None:
    """Sum the roll-ups of these days (None: of every day) from their raw events, in the
    database: one INSERT ... SELECT per roll-up."""
    events = (
        StorefrontEvent.objects.all()
        if days is None
        else StorefrontEvent.objects.filter(day__in=days)
    )
    insert_from(
        DailyTraffic,
        events.values("day"),
        {
            "day": F("day"),
            "sessions": Count("session_id", distinct=True),
            "product_view_sessions": _sessions(Type.PRODUCT_VIEWED),
            "cart_sessions": _sessions(Type.ADDED_TO_CART),
            "checkout_sessions": _sessions(Type.CHECKOUT_STARTED),
            "order_sessions": _sessions(Type.ORDER_PLACED),
        },
    )
    insert_from(
        DailyProductTraffic,
        events.filter(product_id__isnull=False).values("day", "product_id"),
        {
            "day": F("day"),
            "product_id": F("product_id"),
            "views": Count("pk", filter=Q(type=Type.PRODUCT_VIEWED)),
            "add_to_carts": Count("pk", filter=Q(type=Type.ADDED_TO_CART)),
        },
    )
    insert_from(
        DailySearchTerm,
        events.filter(type=Type.SEARCH).values("day", "search_term"),
        {
            "day": F("day"),
            "term": F("search_term"),
            "searches": Count("pk"),
            "no_result": Count("pk", filter=Q(result_count=0)),
        },
    )


ROLLUPS = (DailyTraffic, DailyProductTraffic, DailySearchTerm)


def refresh_traffic(days: Iterable[date]) -> int:
    """Sum the traffic roll-ups of these days again from the raw events; returns how many
    days. A day whose raw events are gone (retention) keeps its roll-ups unless named."""
    days = sorted(set(days))
    if not days:
        return 0
    for model in ROLLUPS:
        model.objects.filter(day__in=days).delete()
    _roll_up(days)
    return len(days)


def roll_up_new_events() -> int:
    """What the chore does: refresh the days of the events received since the last run
    (less LATE_COMMIT_MARGIN). Returns how many days."""
    with transaction.atomic():
        lock_keys(TRAFFIC_LOCK, [0])
        state, _ = TrafficState.objects.select_for_update().get_or_create(pk=1)
        now = timezone.now()
        events = StorefrontEvent.objects.all()
        if state.rolled_up_to is not None:
            events = events.filter(received_at__gte=state.rolled_up_to - LATE_COMMIT_MARGIN)
        days = list(events.values_list("day", flat=True).distinct().order_by())
        refreshed = refresh_traffic(days)
        state.rolled_up_to = now
        state.save(update_fields=["rolled_up_to"])
    return refreshed


def rebuild_traffic() -> int:
    """Every day that still has raw events, summed again (the roll-ups of older days, whose
    raw events retention removed, stay). Returns how many days."""
    with transaction.atomic():
        lock_keys(TRAFFIC_LOCK, [0])
        now = timezone.now()
        days = list(StorefrontEvent.objects.values_list("day", flat=True).distinct().order_by())
        for model in ROLLUPS:
            model.objects.filter(day__in=days).delete()
        _roll_up(None)
        TrafficState.objects.update_or_create(pk=1, defaults={"rolled_up_to": now})
    return len(days)


def prune_events(*, now: datetime | None = None) -> int:
    """Delete the raw events of the shop days older than ANALYTICS_EVENT_RETENTION_DAYS
    (whole days, so a day's roll-ups never stand on half of its events)."""
    today = local_day(now or timezone.now())
    cutoff = today - timedelta(days=settings.ANALYTICS_EVENT_RETENTION_DAYS)
    return StorefrontEvent.objects.filter(day__lt=cutoff).delete()[0]
