from datetime import timedelta

import pytest
from django.utils import timezone

from mercato.audit.services import SYSTEM
from mercato.core.errors import InvalidInput, NotFound
from mercato.inventory import selectors, services
from mercato.inventory.models import Reservation, StockMovement
from mercato.inventory.services import InsufficientStock, OrderLine
from mercato.inventory.tests.conftest import (
    inventory_state,
    make_variant,
    make_variants,
    make_warehouse,
    put_stock,
)


def available(v) -> int:
    return selectors.availability([v.pk])[v.pk].available


def expire(reference: str) -> None:
    Reservation.objects.filter(reference=reference).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


# --- availability ---------------------------------------------------------------------------


def test_available_is_on_hand_minus_allocated_minus_reserved_over_active_warehouses(main, shirt):
    put_stock(shirt, main, 10)
    put_stock(shirt, make_warehouse("annex", priority=2), 5)
    put_stock(shirt, make_warehouse("closed", is_active=False), 100)
    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 3)], country=None
    )
    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 4)])

    result = selectors.availability([shirt.pk])[shirt.pk]

    assert (result.on_hand, result.allocated, result.reserved) == (15, 3, 4)
    assert result.available == 8


def test_an_expired_reservation_stops_counting_before_any_cleanup(main, shirt):
    put_stock(shirt, main, 5)
    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 5)])
    assert available(shirt) == 0

    expire("cart-1")

    assert available(shirt) == 5
    assert Reservation.objects.filter(reference="cart-1").exists()
    services.reserve_stock(reference="cart-2", lines=[(shirt.pk, 5)])
    assert Reservation.objects.get(reference="cart-2").quantity == 5


def test_the_cleanup_deletes_only_expired_reservations(main, shirt):
    put_stock(shirt, main, 5)
    services.reserve_stock(reference="old", lines=[(shirt.pk, 1)])
    services.reserve_stock(reference="live", lines=[(shirt.pk, 1)])
    expire("old")

    assert services.delete_expired_reservations() == 1
    assert list(Reservation.objects.values_list("reference", flat=True)) == ["live"]


def test_a_variant_that_does_not_track_inventory_is_always_available(main):
    untracked = make_variant(track_inventory=False)

    services.reserve_stock(reference="cart-1", lines=[(untracked.pk, 500)])
    allocations = services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", untracked.pk, 500)], country="DE"
    )

    assert selectors.availability([untracked.pk])[untracked.pk].can_sell(10**6)
    assert allocations == []
    assert not Reservation.objects.exists()
    assert not StockMovement.objects.exists()


def test_backorders_sell_beyond_what_is_on_hand(main, shirt):
    put_stock(shirt, main, 2)
    services.set_inventory_rules(variant=shirt, actor=SYSTEM, allow_backorders=True)

    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 5)])
    services.allocate_order(
        order_reference="o1",
        lines=[OrderLine("l1", shirt.pk, 5)],
        country=None,
        reservation_reference="cart-1",
    )

    assert selectors.availability([shirt.pk])[shirt.pk].can_sell(1)
    assert selectors.verify_ledger() == []


def test_without_backorders_an_empty_variant_cannot_be_sold(main, shirt):
    put_stock(shirt, main, 0)

    assert not selectors.availability([shirt.pk])[shirt.pk].can_sell(1)


# --- reserve --------------------------------------------------------------------------------


def test_reserving_again_replaces_what_the_cart_held(main, shirt):
    put_stock(shirt, main, 10)
    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 8)])

    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 10)])

    assert list(Reservation.objects.values_list("reference", "quantity")) == [("cart-1", 10)]
    assert available(shirt) == 0


def test_quantity_zero_releases_that_line_only(main):
    a, b = make_variants(2)
    put_stock(a, main, 5)
    put_stock(b, main, 5)
    services.reserve_stock(reference="cart-1", lines=[(a.pk, 2), (b.pk, 3)])

    services.reserve_stock(reference="cart-1", lines=[(a.pk, 0)])

    assert list(Reservation.objects.values_list("variant_id", "quantity")) == [(b.pk, 3)]
    assert (available(a), available(b)) == (5, 2)


def test_a_reservation_is_all_lines_or_none(main):
    a, b = make_variants(2)
    put_stock(a, main, 5)
    put_stock(b, main, 1)
    services.reserve_stock(reference="cart-1", lines=[(a.pk, 1)])
    before = inventory_state()

    with pytest.raises(InsufficientStock) as raised:
        services.reserve_stock(reference="cart-1", lines=[(a.pk, 4), (b.pk, 2)])

    assert raised.value.code == "insufficient_stock"
    assert raised.value.status == 409
    assert raised.value.extra == {"variant_id": str(b.public_id), "available": 1}
    assert inventory_state() == before


def test_other_carts_reservations_count(main, shirt):
    put_stock(shirt, main, 3)
    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 2)])

    with pytest.raises(InsufficientStock) as raised:
        services.reserve_stock(reference="cart-2", lines=[(shirt.pk, 2)])

    assert raised.value.extra["available"] == 1
    assert not Reservation.objects.filter(reference="cart-2").exists()


def test_reservations_expire_after_the_configured_time(main, shirt, settings):
    settings.RESERVATION_TTL = 60
    put_stock(shirt, main, 1)

    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 1)])

    expires = Reservation.objects.get().expires_at
    assert timedelta(seconds=55) < expires - timezone.now() <= timedelta(seconds=60)


def test_renew_extends_only_live_reservations(main):
    a, b = make_variants(2)
    put_stock(a, main, 5)
    put_stock(b, main, 5)
    services.reserve_stock(reference="cart-1", lines=[(a.pk, 1), (b.pk, 1)], ttl_seconds=10)
    Reservation.objects.filter(variant=b).update(expires_at=timezone.now() - timedelta(seconds=1))

    renewed = services.renew_reservations(reference="cart-1", ttl_seconds=600)

    assert renewed == 1
    assert Reservation.objects.get(variant=a).expires_at > timezone.now() + timedelta(seconds=500)
    assert Reservation.objects.get(variant=b).expires_at < timezone.now()
    assert selectors.availability([b.pk])[b.pk].reserved == 0


def test_emptying_the_cart_releases_everything_it_held(main):
    a, b = make_variants(2)
    put_stock(a, main, 5)
    put_stock(b, main, 5)
    services.reserve_stock(reference="cart-1", lines=[(a.pk, 5), (b.pk, 5)])
    services.reserve_stock(reference="cart-2", lines=[(a.pk, 0)])

    released = services.release_reservations(reference="cart-1")

    assert released == 2
    assert (available(a), available(b)) == (5, 5)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [-1, 1.5, True, "2", None, 10**9])
def test_a_bad_reservation_quantity_is_refused_and_changes_nothing(main, shirt, quantity):
    put_stock(shirt, main, 5)
    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 2)])
    before = inventory_state()

    with pytest.raises(InvalidInput) as raised:
        services.reserve_stock(reference="cart-1", lines=[(shirt.pk, quantity)])

    assert raised.value.code == "invalid_quantity"
    assert inventory_state() == before


def test_reserving_an_unknown_variant_is_refused(main, shirt):
    put_stock(shirt, main, 5)
    before = inventory_state()

    with pytest.raises(NotFound) as raised:
        services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 1), (shirt.pk + 999, 1)])

    assert raised.value.code == "variant_not_found"
    assert inventory_state() == before


@pytest.mark.parametrize("reference", ["", "x" * 101])
def test_a_reservation_needs_a_reference(main, shirt, reference):
    put_stock(shirt, main, 5)

    with pytest.raises(InvalidInput):
        services.reserve_stock(reference=reference, lines=[(shirt.pk, 1)])

    assert not Reservation.objects.exists()
