"""Staff cut stock below what carts have reserved: the shelf stays sellable. The oldest
reservations keep their units, the newest give up what is no longer there and are marked
short; allocation subtracts only the units other carts still hold."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercato.audit.services import SYSTEM
from mercato.inventory import selectors, services
from mercato.inventory.models import Reservation
from mercato.inventory.services import InsufficientStock, OrderLine
from mercato.inventory.tests.conftest import make_warehouse, put_stock


def held(reference: str, v) -> tuple[int, int]:
    """(quantity held, quantity short) of a reservation."""
    return Reservation.objects.values_list("quantity", "quantity_short").get(
        reference=reference, variant=v
    )


def reserve_in_order(v, *quantities: int) -> list[str]:
    """Reservations cart-0, cart-1 … of these quantities, each older than the next."""
    references = []
    for i, quantity in enumerate(quantities):
        reference = f"cart-{i}"
        services.reserve_stock(reference=reference, lines=[(v.pk, quantity)])
        Reservation.objects.filter(reference=reference).update(
            created_at=timezone.now() - timedelta(minutes=10 - i)
        )
        references.append(reference)
    return references


def test_cutting_stock_below_reservations_keeps_the_oldest_and_shortens_the_newest(main, shirt):
    put_stock(shirt, main, 5)
    old, new = reserve_in_order(shirt, 2, 3)

    put_stock(shirt, main, 3)

    assert held(old, shirt) == (2, 0)
    assert held(new, shirt) == (1, 2)
    state = selectors.availability([shirt.pk])[shirt.pk]
    assert (state.on_hand, state.reserved, state.available) == (3, 3, 0)


def test_the_oldest_cart_can_be_allocated_after_the_cut(main, shirt):
    put_stock(shirt, main, 5)
    old, new = reserve_in_order(shirt, 2, 3)
    put_stock(shirt, main, 3)

    allocations = services.allocate_order(
        order_reference="o1",
        lines=[OrderLine("l1", shirt.pk, 2)],
        country=None,
        reservation_reference=old,
    )

    assert [a.quantity for a in allocations] == [2]
    assert not Reservation.objects.filter(reference=old).exists()
    assert held(new, shirt) == (1, 2)
    # the newest cart can have what it still holds, not the units it lost
    with pytest.raises(InsufficientStock):
        services.allocate_order(
            order_reference="o2",
            lines=[OrderLine("l2", shirt.pk, 3)],
            country=None,
            reservation_reference=new,
        )
    assert selectors.availability([shirt.pk])[shirt.pk].available == 0


def test_a_cut_below_every_reservation_leaves_them_all_short_with_nothing_held(main, shirt):
    put_stock(shirt, main, 4)
    first, second = reserve_in_order(shirt, 2, 2)

    put_stock(shirt, main, 0)

    assert held(first, shirt) == (0, 2)
    assert held(second, shirt) == (0, 2)
    state = selectors.availability([shirt.pk])[shirt.pk]
    assert (state.reserved, state.available) == (0, 0)


def test_a_third_cart_cannot_reserve_what_is_not_there(main, shirt):
    put_stock(shirt, main, 5)
    reserve_in_order(shirt, 2, 3)
    put_stock(shirt, main, 3)

    with pytest.raises(InsufficientStock) as refused:
        services.reserve_stock(reference="cart-3", lines=[(shirt.pk, 1)])

    assert refused.value.extra["available"] == 0
    assert not Reservation.objects.filter(reference="cart-3").exists()


def test_allocated_units_count_before_any_reservation(main, shirt):
    put_stock(shirt, main, 6)
    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 2)], country=None
    )
    (cart,) = reserve_in_order(shirt, 4)

    put_stock(shirt, main, 5)  # 3 free of orders

    assert held(cart, shirt) == (3, 1)
    assert selectors.availability([shirt.pk])[shirt.pk].available == 0


def test_an_expired_reservation_is_not_shortened_and_leaves_room_for_the_live_ones(main, shirt):
    put_stock(shirt, main, 5)
    gone, live = reserve_in_order(shirt, 3, 2)
    Reservation.objects.filter(reference=gone).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    put_stock(shirt, main, 2)

    assert held(gone, shirt) == (3, 0)
    assert held(live, shirt) == (2, 0)


def test_once_stock_is_back_the_short_cart_reserves_again_in_full(main, shirt):
    put_stock(shirt, main, 5)
    _, new = reserve_in_order(shirt, 2, 3)
    put_stock(shirt, main, 3)

    with pytest.raises(InsufficientStock):
        services.reserve_stock(reference=new, lines=[(shirt.pk, 3)])
    assert held(new, shirt) == (1, 2)  # a refusal changes nothing

    put_stock(shirt, main, 5)
    services.reserve_stock(reference=new, lines=[(shirt.pk, 3)])

    assert held(new, shirt) == (3, 0)


def test_reserving_again_keeps_the_reservations_age(main, shirt):
    put_stock(shirt, main, 10)
    old, new = reserve_in_order(shirt, 2, 3)
    services.reserve_stock(reference=old, lines=[(shirt.pk, 4)])  # the old cart takes more

    put_stock(shirt, main, 5)

    assert held(old, shirt) == (4, 0)
    assert held(new, shirt) == (1, 2)


def test_moving_stock_to_an_inactive_warehouse_shortens_reservations(main, shirt):
    closed = make_warehouse("closed", is_active=False)
    put_stock(shirt, main, 5)
    (cart,) = reserve_in_order(shirt, 4)

    services.transfer_stock(
        variant=shirt, source=main, destination=closed, quantity=3, actor=SYSTEM
    )

    assert held(cart, shirt) == (2, 2)


def test_deactivating_a_warehouse_shortens_reservations(main, shirt):
    annex = make_warehouse("annex", priority=2)
    put_stock(shirt, main, 1)
    put_stock(shirt, annex, 3)
    (cart,) = reserve_in_order(shirt, 3)

    services.save_warehouse(
        actor=SYSTEM, warehouse=annex, changes=services.WarehouseChanges(is_active=False)
    )

    assert held(cart, shirt) == (1, 2)


def test_turning_backorders_off_shortens_reservations_beyond_the_shelf(main, shirt):
    services.set_inventory_rules(variant=shirt, actor=SYSTEM, allow_backorders=True)
    put_stock(shirt, main, 1)
    (cart,) = reserve_in_order(shirt, 3)
    assert held(cart, shirt) == (3, 0)

    services.set_inventory_rules(variant=shirt, actor=SYSTEM, allow_backorders=False)

    assert held(cart, shirt) == (1, 2)


def test_a_short_reservation_that_is_released_is_gone(main, shirt):
    put_stock(shirt, main, 2)
    (cart,) = reserve_in_order(shirt, 2)
    put_stock(shirt, main, 0)

    services.reserve_stock(reference=cart, lines=[(shirt.pk, 0)])

    assert not Reservation.objects.filter(reference=cart).exists()
