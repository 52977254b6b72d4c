"""Summing the carts roll-up (docs/analytics.md, "Carts"): `DailyCarts` per shop day of a
cart's creation and currency, from the checkout's carts, in one grouped query.

A cart changes after the day it was made (lines come and go, it becomes an order, it is left
alone long enough to count as abandoned), so the days are summed again as long as their
carts are all still there: expired open carts are deleted (checkout's `carts_deleted`
chore), but none made in the last CART_TTL_DAYS has expired yet. Those are the open days; an
older day keeps the figures of its last sum. Merged guest carts (their lines went into the
customer's cart, which counts) are left out.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from mercato.analytics.locks import lock_keys
from mercato.analytics.models import DailyCarts
from mercato.analytics.reports.common import cents
from mercato.analytics.services import local_day
from mercato.checkout.models import Cart

CARTS_LOCK = 0x6361  # the advisory lock of the carts roll-up ("ca")


def first_open_day(now: datetime) -> date:
    """The first shop day whose carts have all been made in the last CART_TTL_DAYS (so none
    has expired and been deleted): the days from it on are summed again."""
    earliest = now - timedelta(days=settings.CART_TTL_DAYS)
    day = local_day(earliest)
    start = datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.SHOP_TIME_ZONE))
    return day if start >= earliest else day + timedelta(days=1)


def summed_carts(*, since: date | None, now: datetime) -> list[DailyCarts]:
    """The roll-ups of the shop days from `since` (None: every day with carts), summed from
    the carts in one query, as they stand at `now`."""
    zone = ZoneInfo(settings.SHOP_TIME_ZONE)
    carts = Cart.objects.exclude(status=Cart.Status.MERGED)
    if since is not None:
        start = datetime.combine(since, time.min, tzinfo=zone)
        # updated_at (indexed) is never before created_at
        carts = carts.filter(updated_at__gte=start, created_at__gte=start)
    has_lines = Q(lines__isnull=False)
    abandoned = Q(
        status=Cart.Status.OPEN,
        updated_at__lt=now - timedelta(hours=settings.ANALYTICS_CART_ABANDONED_HOURS),
    )
    line_value = ExpressionWrapper(
        F("lines__quantity") * F("lines__unit_price"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    rows = (
        carts.values("currency", cart_day=TruncDate("created_at", tzinfo=zone))
        .annotate(
            created=Count("pk", distinct=True),
            with_lines=Count("pk", distinct=True, filter=has_lines),
            converted=Count("pk", distinct=True, filter=Q(status=Cart.Status.COMPLETED)),
            abandoned=Count("pk", distinct=True, filter=abandoned & has_lines),
            abandoned_value=Sum(line_value, filter=abandoned),
        )
        .order_by("cart_day", "currency")
    )
    return [
        DailyCarts(
            day=row["cart_day"],
            currency=row["currency"],
            created=row["created"],
            with_lines=row["with_lines"],
            converted=row["converted"],
            abandoned=row["abandoned"],
            abandoned_value=cents(row["abandoned_value"]),
        )
        for row in rows
    ]


def _replace(rows: list[DailyCarts], *, since: date) -> None:
    """The open days' roll-ups (from `since` on) replaced by `rows`, and `rows` of earlier
    days (a rebuild's) added where there is none."""
    DailyCarts.objects.filter(day__gte=since).delete()
    kept = set(DailyCarts.objects.values_list("day", "currency"))
    DailyCarts.objects.bulk_create(
        [row for row in rows if (row.day, row.currency) not in kept], batch_size=1000
    )


def roll_up_carts(*, now: datetime | None = None) -> int:
    """What the chore does: the open days summed again. Returns how many roll-ups."""
    now = now or timezone.now()
    since = first_open_day(now)
    with transaction.atomic():
        lock_keys(CARTS_LOCK, [0])
        rows = summed_carts(since=since, now=now)
        _replace(rows, since=since)
    return len(rows)


def rebuild_carts(*, now: datetime | None = None) -> int:
    """What `rebuild-analytics` does: the open days summed again, and every older day that
    has carts and no roll-up yet (after the migration) summed from the carts still there;
    an older day's roll-up stays, for some of its carts may have gone since. Returns how
    many roll-ups it summed."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_keys(CARTS_LOCK, [0])
        rows = summed_carts(since=None, now=now)
        _replace(rows, since=first_open_day(now))
    return len(rows)
