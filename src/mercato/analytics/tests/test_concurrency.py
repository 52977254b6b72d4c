"""Real threads, each with its own connection and transaction: refreshes of orders of the
same day, dispatched at once, each sum what the one before committed, and two refreshes of
one order do not clash. On PostgreSQL (SQLite runs one writer at a time)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from mercato.analytics.models import DailySales, OrderFact
from mercato.analytics.services import rebuild_analytics, refresh_order
from mercato.analytics.tests.history import Line, place
from mercato.inventory.tests.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_refreshes_of_one_day_at_once_count_every_order():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: nothing can interleave")
    noon = datetime(2026, 3, 9, 12, tzinfo=ZoneInfo("Europe/Berlin"))
    ids = [place(at=noon, lines=[Line(f"{10 + i}.00")]).pk for i in range(6)]
    OrderFact.objects.all().delete()
    DailySales.objects.all().delete()
    # every order refreshed by two workers at once, as when two of its events are dispatched
    both = ids + ids

    results = run_together(len(both), lambda i: refresh_order(order_id=both[i]))

    assert results == [None] * len(both)

    incremental = list(DailySales.objects.values("day", "currency", "orders", "gross", "net"))
    assert [(r["orders"], str(r["gross"])) for r in incremental] == [(6, "75.00")]
    rebuild_analytics()
    assert list(DailySales.objects.values("day", "currency", "orders", "gross", "net")) == (
        incremental
    )
