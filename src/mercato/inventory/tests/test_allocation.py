import pytest

from mercato.audit.services import SYSTEM, Actor
from mercato.core.errors import InvalidInput
from mercato.inventory import selectors, services
from mercato.inventory.models import Allocation, Reservation, Stock, StockMovement
from mercato.inventory.services import InsufficientStock, OrderLine
from mercato.inventory.tests.conftest import (
    inventory_state,
    make_variants,
    make_warehouse,
    put_stock,
    stock_of,
)


def allocate(*lines, order="o1", country=None, cart=None):
    return services.allocate_order(
        order_reference=order,
        lines=[OrderLine(ref, v.pk, qty) for ref, v, qty in lines],
        country=country,
        reservation_reference=cart,
    )


def held(line_reference: str) -> list[tuple[str, int]]:
    return list(
        Allocation.objects.filter(line_reference=line_reference)
        .order_by("stock__warehouse__priority")
        .values_list("stock__warehouse__slug", "quantity")
    )


@pytest.fixture
def warehouses(db):
    """first ships everywhere (priority 1), second to DE and AT (2), third to FR (3)."""
    return (
        make_warehouse("first", priority=1),
        make_warehouse("second", priority=2, countries=["DE", "AT"]),
        make_warehouse("third", priority=3, countries=["FR"]),
    )


# --- allocation -----------------------------------------------------------------------------


def test_allocation_takes_the_warehouse_with_the_best_priority(warehouses, shirt):
    first, second, _ = warehouses
    put_stock(shirt, second, 10)
    put_stock(shirt, first, 10)

    allocate(("l1", shirt, 4))

    assert held("l1") == [("first", 4)]
    assert stock_of(shirt, first) == (10, 4)
    assert stock_of(shirt, second) == (10, 0)


def test_a_warehouse_that_does_not_ship_to_the_country_is_skipped(warehouses, shirt):
    first, second, third = warehouses
    Stock.objects.create(variant=shirt, warehouse=first)  # empty
    put_stock(shirt, second, 10)
    put_stock(shirt, third, 10)

    allocate(("fr", shirt, 2), order="o-fr", country="FR")
    allocate(("de", shirt, 2), order="o-de", country="de")

    assert held("fr") == [("third", 2)]
    assert held("de") == [("second", 2)]


def test_no_warehouse_that_ships_there_means_insufficient_stock(warehouses, shirt):
    _, second, _ = warehouses
    put_stock(shirt, second, 10)
    before = inventory_state()

    with pytest.raises(InsufficientStock):
        allocate(("l1", shirt, 1), country="US")

    assert inventory_state() == before


def test_a_line_is_split_across_warehouses_when_allowed(warehouses, shirt, settings):
    settings.ALLOCATION_SPLIT_LINES = True
    first, second, _ = warehouses
    put_stock(shirt, first, 3)
    put_stock(shirt, second, 10)

    allocate(("l1", shirt, 5), country="DE")

    assert held("l1") == [("first", 3), ("second", 2)]
    assert stock_of(shirt, first) == (3, 3)
    assert stock_of(shirt, second) == (10, 2)


def test_without_splitting_one_warehouse_must_hold_the_whole_line(warehouses, shirt, settings):
    settings.ALLOCATION_SPLIT_LINES = False
    first, second, _ = warehouses
    put_stock(shirt, first, 3)
    put_stock(shirt, second, 10)

    allocate(("l1", shirt, 5), country="DE")

    assert held("l1") == [("second", 5)]


def test_without_splitting_a_line_no_single_warehouse_holds_is_refused(warehouses, shirt, settings):
    settings.ALLOCATION_SPLIT_LINES = False
    first, second, _ = warehouses
    put_stock(shirt, first, 3)
    put_stock(shirt, second, 3)
    before = inventory_state()

    with pytest.raises(InsufficientStock) as raised:
        allocate(("l1", shirt, 5), country="DE")

    assert raised.value.code == "insufficient_stock"
    assert raised.value.extra == {"variant_id": str(shirt.public_id), "available": 6}
    assert inventory_state() == before


def test_an_order_is_allocated_whole_or_not_at_all(warehouses):
    first = warehouses[0]
    a, b = make_variants(2)
    put_stock(a, first, 5)
    put_stock(b, first, 1)
    before = inventory_state()

    with pytest.raises(InsufficientStock) as raised:
        allocate(("la", a, 2), ("lb", b, 2))

    assert raised.value.extra["variant_id"] == str(b.public_id)
    assert inventory_state() == before


def test_two_lines_of_one_variant_share_its_stock(warehouses, shirt):
    first = warehouses[0]
    put_stock(shirt, first, 5)

    with pytest.raises(InsufficientStock):
        allocate(("l1", shirt, 3), ("l2", shirt, 3))
    allocate(("l1", shirt, 3), ("l2", shirt, 2))

    assert stock_of(shirt, first) == (5, 5)


def test_the_orders_own_reservation_becomes_the_allocation(warehouses, shirt):
    first = warehouses[0]
    put_stock(shirt, first, 5)
    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 5)])

    allocate(("l1", shirt, 5), cart="cart-1")

    assert not Reservation.objects.exists()
    assert stock_of(shirt, first) == (5, 5)
    assert selectors.availability([shirt.pk])[shirt.pk].available == 0


def test_other_carts_reservations_still_count_when_allocating(warehouses, shirt):
    first = warehouses[0]
    put_stock(shirt, first, 5)
    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 2)])
    services.reserve_stock(reference="cart-2", lines=[(shirt.pk, 2)])

    with pytest.raises(InsufficientStock) as raised:
        allocate(("l1", shirt, 4), cart="cart-1")
    allocate(("l1", shirt, 3), cart="cart-1")

    assert raised.value.extra["available"] == 3
    assert list(Reservation.objects.values_list("reference", flat=True)) == ["cart-2"]
    assert stock_of(shirt, first) == (5, 3)


def test_other_carts_reservations_limit_a_split_allocation(warehouses, shirt, settings):
    settings.ALLOCATION_SPLIT_LINES = True
    first, second, _ = warehouses
    put_stock(shirt, first, 2)
    put_stock(shirt, second, 2)
    services.reserve_stock(reference="cart-2", lines=[(shirt.pk, 1)])

    with pytest.raises(InsufficientStock):
        allocate(("l1", shirt, 4), country="DE")

    assert not Allocation.objects.exists()


def test_backorders_allocate_the_shortfall_to_the_first_warehouse(warehouses, shirt):
    first, second, _ = warehouses
    put_stock(shirt, first, 1)
    put_stock(shirt, second, 1)
    services.set_inventory_rules(variant=shirt, actor=SYSTEM, allow_backorders=True)

    allocate(("l1", shirt, 5), country="DE")

    assert held("l1") == [("first", 4), ("second", 1)]
    assert stock_of(shirt, first) == (1, 4)
    assert selectors.verify_ledger() == []


# --- deallocation, fulfilment, returns ------------------------------------------------------


def test_cancelling_gives_the_allocated_units_back(warehouses, settings):
    settings.ALLOCATION_SPLIT_LINES = True
    first, second, _ = warehouses
    a, b = make_variants(2)
    put_stock(a, first, 2)
    put_stock(a, second, 5)
    put_stock(b, first, 5)
    allocate(("la", a, 4), ("lb", b, 1), country="DE")

    freed = services.deallocate_lines(line_references=["la", "lb"])

    assert freed == 5
    assert not Allocation.objects.exists()
    assert [stock_of(a, first), stock_of(a, second), stock_of(b, first)] == [
        (2, 0),
        (5, 0),
        (5, 0),
    ]
    assert services.deallocate_lines(line_references=["la", "lb"]) == 0
    assert selectors.verify_ledger() == []


def test_fulfilment_takes_units_off_hand_and_off_allocated(warehouses, shirt):
    first = warehouses[0]
    put_stock(shirt, first, 10)
    allocate(("l1", shirt, 4))

    services.fulfil_line(line_reference="l1", quantity=3)

    assert stock_of(shirt, first) == (7, 1)
    assert held("l1") == [("first", 1)]
    services.fulfil_line(line_reference="l1", quantity=1)
    assert stock_of(shirt, first) == (6, 0)
    assert not Allocation.objects.exists()


def test_fulfilling_more_than_the_line_holds_is_refused(warehouses, shirt):
    put_stock(shirt, warehouses[0], 10)
    allocate(("l1", shirt, 2))
    before = inventory_state()

    with pytest.raises(InvalidInput) as raised:
        services.fulfil_line(line_reference="l1", quantity=3)

    assert raised.value.code == "fulfil_exceeds_allocation"
    assert inventory_state() == before


def test_a_backordered_line_cannot_ship_before_the_units_arrive(warehouses, shirt):
    first = warehouses[0]
    put_stock(shirt, first, 1)
    services.set_inventory_rules(variant=shirt, actor=SYSTEM, allow_backorders=True)
    allocate(("l1", shirt, 3))
    before = inventory_state()

    with pytest.raises(InsufficientStock):
        services.fulfil_line(line_reference="l1", quantity=3)

    assert inventory_state() == before
    put_stock(shirt, first, 3)
    services.fulfil_line(line_reference="l1", quantity=3)
    assert stock_of(shirt, first) == (0, 0)


def test_unfulfil_puts_the_units_back_on_hand_and_allocated(warehouses, shirt):
    first = warehouses[0]
    put_stock(shirt, first, 10)
    allocate(("l1", shirt, 4))
    ((stock, _),) = services.fulfil_line(line_reference="l1", quantity=4)

    services.unfulfil_line(line_reference="l1", order_reference="o1", stock=stock, quantity=4)

    assert stock_of(shirt, first) == (10, 4)
    assert held("l1") == [("first", 4)]
    assert services.deallocate_lines(line_references=["l1"]) == 4
    assert selectors.verify_ledger() == []


def test_a_return_can_be_restocked(warehouses, shirt):
    first = warehouses[0]
    put_stock(shirt, first, 5)
    allocate(("l1", shirt, 2))
    services.fulfil_line(line_reference="l1", quantity=2)

    services.restock_return(variant=shirt, warehouse=first, quantity=1, order_reference="o1")

    assert stock_of(shirt, first) == (4, 0)


# --- the ledger -----------------------------------------------------------------------------


def movements() -> list[tuple]:
    return list(
        StockMovement.objects.order_by("pk").values_list(
            "kind",
            "quantity_delta",
            "quantity_before",
            "quantity_after",
            "allocated_delta",
            "allocated_before",
            "allocated_after",
            "order_reference",
            "actor_label",
        )
    )


def test_every_change_writes_one_movement_with_before_and_after(warehouses, shirt):
    first, second, _ = warehouses
    clerk = Actor(user_id=None, label="clerk@example.com")
    put_stock(shirt, first, 10)
    allocate(("l1", shirt, 4), order="o1")
    ((stock, _),) = services.fulfil_line(line_reference="l1", quantity=3, actor=clerk)
    services.unfulfil_line(line_reference="l1", order_reference="o1", stock=stock, quantity=1)
    services.deallocate_lines(line_references=["l1"], actor=clerk)
    services.restock_return(variant=shirt, warehouse=first, quantity=2, order_reference="o1")
    services.adjust_stock(variant=shirt, warehouse=first, delta=-1, reason="broken", actor=clerk)
    services.transfer_stock(
        variant=shirt, source=first, destination=second, quantity=3, actor=clerk
    )

    assert movements() == [
        ("adjustment", 10, 0, 10, 0, 0, 0, "", "system"),
        ("allocation", 0, 10, 10, 4, 0, 4, "o1", "system"),
        ("fulfilment", -3, 10, 7, -3, 4, 1, "o1", "clerk@example.com"),
        ("allocation", 1, 7, 8, 1, 1, 2, "o1", "system"),
        ("deallocation", 0, 8, 8, -2, 2, 0, "o1", "clerk@example.com"),
        ("return", 2, 8, 10, 0, 0, 0, "o1", "system"),
        ("adjustment", -1, 10, 9, 0, 0, 0, "", "clerk@example.com"),
        ("transfer_out", -3, 9, 6, 0, 0, 0, "", "clerk@example.com"),
        ("transfer_in", 3, 0, 3, 0, 0, 0, "", "clerk@example.com"),
    ]
    assert StockMovement.objects.get(kind="adjustment", quantity_delta=-1).reason == "broken"
    assert selectors.verify_ledger() == []


@pytest.mark.parametrize("quantity", [0, -1, 1.5, True, 10**9])
def test_bad_quantities_for_order_services_change_nothing(warehouses, shirt, quantity):
    first = warehouses[0]
    put_stock(shirt, first, 10)
    allocate(("l1", shirt, 4))
    stock = Stock.objects.get(variant=shirt, warehouse=first)
    before = inventory_state()

    calls = [
        lambda: allocate(("l2", shirt, quantity), order="o2"),
        lambda: services.fulfil_line(line_reference="l1", quantity=quantity),
        lambda: services.unfulfil_line(
            line_reference="l1", order_reference="o1", stock=stock, quantity=quantity
        ),
        lambda: services.restock_return(variant=shirt, warehouse=first, quantity=quantity),
    ]
    for call in calls:
        with pytest.raises(InvalidInput) as raised:
            call()
        assert raised.value.code == "invalid_quantity"

    assert inventory_state() == before


def test_a_backordered_variant_without_a_stock_row_is_allocated_where_it_ships(warehouses, shirt):
    first, _, _ = warehouses
    services.save_warehouse(
        actor=SYSTEM, warehouse=first, changes=services.WarehouseChanges(is_active=False)
    )
    services.set_inventory_rules(variant=shirt, actor=SYSTEM, allow_backorders=True)
    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 2)])

    allocate(("l1", shirt, 2), country="FR", cart="cart-1")

    assert held("l1") == [("third", 2)]
    assert selectors.verify_ledger() == []
    with pytest.raises(InsufficientStock):
        allocate(("l2", shirt, 1), order="o2", country="US")
