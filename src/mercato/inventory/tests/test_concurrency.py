"""Real threads, each with its own connection and real transactions: stock is never sold twice,
never goes negative, and concurrent calls on overlapping variants never deadlock."""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum

from mercato.audit.services import SYSTEM
from mercato.core.errors import InvalidInput
from mercato.inventory import selectors, services
from mercato.inventory.models import Allocation, Reservation, Stock, Warehouse
from mercato.inventory.services import InsufficientStock, OrderLine
from mercato.inventory.tests.conftest import make_variants, make_warehouse, put_stock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _file_database():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the in-memory SQLite test database (shared cache) locks whole tables and fails a "
            "concurrent writer at once ('database table is locked') instead of waiting; "
            "set SQLITE_TEST_NAME to a file to run this on SQLite"
        )


def workers(postgres: int, sqlite: int) -> int:
    return postgres if connection.vendor == "postgresql" else sqlite


def run_together(count: int, job: Callable[[int], Any]) -> list[Any]:
    """Run job(0) … job(count - 1) in as many threads, released at once; each result is the
    job's return value or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job(index)
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results


def outcomes(results: list[Any]) -> Counter:
    return Counter(type(r).__name__ if isinstance(r, Exception) else "ok" for r in results)


def assert_consistent() -> None:
    assert selectors.verify_ledger() == []
    assert not Stock.objects.filter(quantity__lt=0).exists()
    assert not Stock.objects.filter(quantity_allocated__lt=0).exists()


# --- the last units -------------------------------------------------------------------------


@pytest.fixture
def last_units():
    """One variant with its last units split over two warehouses."""
    (shirt,) = make_variants(1)
    units = workers(postgres=10, sqlite=3)
    put_stock(shirt, make_warehouse("main", priority=1), units - 1)
    put_stock(shirt, make_warehouse("annex", priority=2), 1)
    return shirt, units


def test_concurrent_buyers_reserve_exactly_the_last_units(last_units):
    shirt, units = last_units
    buyers = workers(postgres=50, sqlite=8)

    results = run_together(
        buyers,
        lambda i: services.reserve_stock(reference=f"cart-{i}", lines=[(shirt.pk, 1)]),
    )

    assert outcomes(results) == {"ok": units, "InsufficientStock": buyers - units}
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert {(r.code, r.extra["variant_id"]) for r in refused} == {
        ("insufficient_stock", str(shirt.public_id))
    }
    assert Reservation.objects.count() == units
    assert Reservation.objects.aggregate(n=Sum("quantity"))["n"] == units
    current = selectors.availability([shirt.pk])[shirt.pk]
    assert current.on_hand - current.allocated - current.reserved == 0
    assert_consistent()


def test_concurrent_orders_allocate_exactly_the_last_units(last_units):
    shirt, units = last_units
    buyers = workers(postgres=50, sqlite=8)

    results = run_together(
        buyers,
        lambda i: services.allocate_order(
            order_reference=f"o{i}", lines=[OrderLine(f"l{i}", shirt.pk, 1)], country="DE"
        ),
    )

    assert outcomes(results) == {"ok": units, "InsufficientStock": buyers - units}
    assert Allocation.objects.count() == units
    assert list(Stock.objects.order_by("pk").values_list("quantity", "quantity_allocated")) == [
        (units - 1, units - 1),
        (1, 1),
    ]
    assert_consistent()


def test_concurrent_checkouts_turn_reservations_into_allocations(last_units):
    shirt, units = last_units
    buyers = workers(postgres=30, sqlite=8)

    def checkout(i: int):
        services.reserve_stock(reference=f"cart-{i}", lines=[(shirt.pk, 1)])
        return services.allocate_order(
            order_reference=f"o{i}",
            lines=[OrderLine(f"l{i}", shirt.pk, 1)],
            country=None,
            reservation_reference=f"cart-{i}",
        )

    results = run_together(buyers, checkout)

    assert outcomes(results) == {"ok": units, "InsufficientStock": buyers - units}
    assert not Reservation.objects.exists()
    assert Stock.objects.aggregate(n=Sum("quantity_allocated"))["n"] == units
    assert_consistent()


def test_a_stock_cut_during_checkouts_leaves_no_unit_unsold_and_none_sold_twice(last_units):
    # given: as many carts as units each hold one; staff then count 3 fewer, while every
    # cart checks out
    shirt, units = last_units
    for i in range(units):
        services.reserve_stock(reference=f"cart-{i}", lines=[(shirt.pk, 1)])
    main = Warehouse.objects.get(slug="main")

    def job(i: int):
        if i == units:
            return services.adjust_stock(
                variant=shirt, warehouse=main, delta=-3, reason="recount", actor=SYSTEM
            )
        return services.allocate_order(
            order_reference=f"o{i}",
            lines=[OrderLine(f"l{i}", shirt.pk, 1)],
            country=None,
            reservation_reference=f"cart-{i}",
        )

    results = run_together(units + 1, job)

    # then: the cut went through before the last 3 checkouts (which are refused) or after
    # them (it is refused: those units are allocated); either way the shelf is empty
    cut = results[units]
    if isinstance(cut, Exception):
        assert getattr(cut, "code", None) == "below_allocated"
        assert outcomes(results[:units]) == {"ok": units}
    else:
        assert outcomes(results[:units]) == {"ok": units - 3, "InsufficientStock": 3}
    current = selectors.availability([shirt.pk])[shirt.pk]
    assert current.on_hand == current.allocated
    assert current.reserved == 0
    assert_consistent()


# --- mixed work on overlapping variants -----------------------------------------------------


@pytest.fixture
def overlapping():
    """Three variants (a and b of one product, c of another) in two warehouses, and orders
    that each hold two of them, listed in every order."""
    a, b = make_variants(2)
    (c,) = make_variants(1)
    main, annex = make_warehouse("main", priority=1), make_warehouse("annex", priority=2)
    for v in (a, b, c):
        put_stock(v, main, 30)
        put_stock(v, annex, 30)
    pairs = [(a, b), (b, c), (c, a), (b, a), (c, b), (a, c)]
    orders = {}
    for n in range(12):
        first, second = pairs[n % len(pairs)]
        lines = [OrderLine(f"o{n}-1", first.pk, 2), OrderLine(f"o{n}-2", second.pk, 3)]
        services.allocate_order(order_reference=f"o{n}", lines=lines, country=None)
        orders[f"o{n}"] = lines
    return (a, b, c), pairs, orders


def test_reservations_cancellations_and_fulfilments_never_deadlock(overlapping):
    variants, pairs, orders = overlapping
    count = workers(postgres=36, sqlite=8)
    on_hand_before = {v.pk: 60 for v in variants}
    refs = list(orders)

    def job(i: int):
        kind = i % 4
        first, second = pairs[i % len(pairs)]
        if kind == 0:
            return services.reserve_stock(
                reference=f"cart-{i}", lines=[(first.pk, 2), (second.pk, 1)]
            )
        if kind == 1:
            return services.allocate_order(
                order_reference=f"new-{i}",
                lines=[OrderLine(f"new-{i}-1", first.pk, 1), OrderLine(f"new-{i}-2", second.pk, 2)],
                country=None,
            )
        lines = orders[refs[(i // 2) % len(refs)]]  # workers 2k and 2k+1 share an order
        if kind == 2:
            return services.deallocate_lines(line_references=[lines[1].line_reference,
                                                              lines[0].line_reference])  # fmt: skip
        shipped = []
        for line in lines:
            try:
                shipped += services.fulfil_line(
                    line_reference=line.line_reference, quantity=line.quantity
                )
            except InvalidInput as exc:  # cancelled meanwhile
                assert exc.code == "fulfil_exceeds_allocation"
        return shipped

    results = run_together(count, job)

    assert [r for r in results if isinstance(r, Exception)] == []
    assert_consistent()
    shipped = Counter()
    for i, result in enumerate(results):
        if i % 4 == 3:
            for stock, quantity in result:
                shipped[stock.variant_id] += quantity
    for v in variants:
        on_hand = Stock.objects.filter(variant=v).aggregate(n=Sum("quantity"))["n"]
        assert on_hand == on_hand_before[v.pk] - shipped[v.pk]


def test_an_order_cancelled_twice_at_once_gives_its_stock_back_once(overlapping):
    _, _, orders = overlapping
    lines = [line.line_reference for line in orders["o0"]]
    allocated_before = Stock.objects.aggregate(n=Sum("quantity_allocated"))["n"]
    count = workers(postgres=10, sqlite=4)

    results = run_together(count, lambda i: services.deallocate_lines(line_references=lines))

    assert Counter(results) == {5: 1, 0: count - 1}
    assert Stock.objects.aggregate(n=Sum("quantity_allocated"))["n"] == allocated_before - 5
    assert_consistent()


def test_a_line_shipped_twice_at_once_ships_once(overlapping):
    _, _, orders = overlapping
    line = orders["o0"][1]
    on_hand_before = Stock.objects.aggregate(n=Sum("quantity"))["n"]
    count = workers(postgres=10, sqlite=4)

    results = run_together(
        count,
        lambda i: services.fulfil_line(line_reference=line.line_reference, quantity=line.quantity),
    )

    assert outcomes(results) == {"ok": 1, "InvalidInput": count - 1}
    assert {r.code for r in results if isinstance(r, InvalidInput)} == {"fulfil_exceeds_allocation"}
    assert Stock.objects.aggregate(n=Sum("quantity"))["n"] == on_hand_before - line.quantity
    assert_consistent()


def test_concurrent_adjustments_and_transfers_keep_the_ledger_right(overlapping):
    (a, b, c), _, _ = overlapping
    main, annex = Warehouse.objects.get(slug="main"), Warehouse.objects.get(slug="annex")
    count = workers(postgres=20, sqlite=8)

    def job(i: int):
        v = (a, b, c)[i % 3]
        if i % 2:
            return services.adjust_stock(
                variant=v, warehouse=main, delta=1, reason="found", actor=SYSTEM
            )
        return services.transfer_stock(
            variant=v, source=annex, destination=main, quantity=1, actor=SYSTEM
        )

    results = run_together(count, job)

    assert outcomes(results) == {"ok": count}
    assert Stock.objects.aggregate(n=Sum("quantity"))["n"] == 180 + count // 2
    assert_consistent()
