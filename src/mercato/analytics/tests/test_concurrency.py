"""Real threads, each with its own connection and transaction: refreshes of orders of the
same day, dispatched at once, each sum what the one before committed, and two refreshes of
one order do not clash. On PostgreSQL (SQLite runs one writer at a time)."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from mercato.analytics.models import DailySales, OrderFact
from mercato.analytics.services import rebuild_analytics, refresh_order
from mercato.analytics.tests.history import Line, place

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(jobs: list) -> list:
    """Run the jobs in as many threads, released at once; each result is None or the
    exception the job raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            jobs[index]()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a refresh hung"
    return results


def test_refreshes_of_one_day_at_once_count_every_order():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: nothing can interleave")
    noon = datetime(2026, 3, 9, 12, tzinfo=ZoneInfo("Europe/Berlin"))
    ids = [place(at=noon, lines=[Line(f"{10 + i}.00")]).pk for i in range(6)]
    OrderFact.objects.all().delete()
    DailySales.objects.all().delete()
    # every order refreshed by two workers at once, as when two of its events are dispatched
    jobs = [lambda pk=pk: refresh_order(order_id=pk) for pk in ids + ids]

    assert run_together(jobs) == [None] * len(jobs)

    incremental = list(DailySales.objects.values("day", "currency", "orders", "gross", "net"))
    assert [(r["orders"], str(r["gross"])) for r in incremental] == [(6, "75.00")]
    rebuild_analytics()
    assert list(DailySales.objects.values("day", "currency", "orders", "gross", "net")) == (
        incremental
    )
