from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import Actor
from mercato.catalog.models import Product
from mercato.core.errors import InvalidInput
from mercato.core.models import Event
from mercato.inventory import selectors, services
from mercato.inventory.models import Allocation, InventoryItem, Reservation, Stock, StockMovement
from mercato.inventory.services import InsufficientStock, OrderLine
from mercato.inventory.tests.conftest import (
    inventory_state,
    make_variant,
    make_variants,
    make_warehouse,
    put_stock,
    stock_of,
)

CLERK = Actor(label="clerk@example.com", source="admin_api")


def adjust(v, warehouse, **kwargs):
    kwargs.setdefault("reason", "count")
    return services.adjust_stock(variant=v, warehouse=warehouse, actor=CLERK, **kwargs)


@pytest.fixture
def annex(db):
    return make_warehouse("annex", priority=2)


# --- adjust ---------------------------------------------------------------------------------


def test_adjust_sets_or_changes_what_is_on_hand(main, shirt):
    adjust(shirt, main, quantity=10)
    adjust(shirt, main, delta=-3)
    adjust(shirt, main, delta=5)

    assert stock_of(shirt, main) == (12, 0)
    assert StockMovement.objects.count() == 3


def test_setting_the_same_quantity_writes_no_movement(main, shirt):
    adjust(shirt, main, quantity=10)

    adjust(shirt, main, quantity=10)
    adjust(shirt, main, delta=0)

    assert StockMovement.objects.count() == 1


def test_an_adjustment_is_audited(main, shirt):
    adjust(shirt, main, quantity=10)

    entry = AuditLogEntry.objects.get(verb="stock.adjustment")
    assert entry.actor_label == "clerk@example.com"
    assert entry.changes == {"quantity": [0, 10]}


def test_on_hand_cannot_go_below_what_is_allocated(main, shirt):
    adjust(shirt, main, quantity=10)
    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 6)], country=None
    )
    before = inventory_state()

    for change in ({"quantity": 5}, {"delta": -5}):
        with pytest.raises(InvalidInput) as raised:
            adjust(shirt, main, **change)
        assert raised.value.status == 422
        assert raised.value.code == "below_allocated"

    assert inventory_state() == before
    adjust(shirt, main, quantity=6)
    assert stock_of(shirt, main) == (6, 6)


@pytest.mark.parametrize(
    "change",
    [
        {"quantity": -1},
        {"quantity": 1.5},
        {"quantity": True},
        {"quantity": 10**9},
        {"delta": 1.5},
        {"delta": False},
        {"delta": 10**9},
        {"delta": -(10**9)},
        {"delta": -11},
        {},
        {"quantity": 1, "delta": 1},
        {"quantity": 1, "reason": "  "},
    ],
)
def test_a_bad_adjustment_is_refused_and_changes_nothing(main, shirt, change):
    adjust(shirt, main, quantity=10)
    before = inventory_state()

    with pytest.raises(InvalidInput) as raised:
        adjust(shirt, main, **change)

    assert raised.value.status == 422
    assert inventory_state() == before


def test_a_bad_adjustment_in_a_new_warehouse_leaves_no_stock_row(main, shirt, annex):
    adjust(shirt, main, quantity=10)
    before = inventory_state()

    with pytest.raises(InvalidInput):
        adjust(shirt, annex, delta=-1)

    assert inventory_state() == before


# --- transfer -------------------------------------------------------------------------------


def test_transfer_moves_free_units_between_warehouses(main, annex, shirt):
    adjust(shirt, main, quantity=10)
    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 4)], country=None
    )

    services.transfer_stock(variant=shirt, source=main, destination=annex, quantity=6, actor=CLERK)

    assert stock_of(shirt, main) == (4, 4)
    assert stock_of(shirt, annex) == (6, 0)
    assert AuditLogEntry.objects.filter(verb="stock.transfer").count() == 1
    assert selectors.verify_ledger() == []


def test_transfer_to_the_same_warehouse_is_refused(main, shirt):
    adjust(shirt, main, quantity=10)
    before = inventory_state()

    with pytest.raises(InvalidInput) as raised:
        services.transfer_stock(
            variant=shirt, source=main, destination=main, quantity=1, actor=CLERK
        )

    assert (raised.value.status, raised.value.code) == (422, "same_warehouse")
    assert inventory_state() == before


def test_transferring_more_than_is_free_is_refused(main, annex, shirt):
    adjust(shirt, main, quantity=10)
    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 4)], country=None
    )
    before = inventory_state()

    with pytest.raises(InsufficientStock) as raised:
        services.transfer_stock(
            variant=shirt, source=main, destination=annex, quantity=7, actor=CLERK
        )

    assert (raised.value.status, raised.value.code) == (409, "insufficient_stock")
    assert raised.value.extra["available"] == 6
    assert inventory_state() == before


def test_transferring_from_a_warehouse_without_the_variant_is_refused(main, annex, shirt):
    adjust(shirt, annex, quantity=10)
    before = inventory_state()

    with pytest.raises(InsufficientStock):
        services.transfer_stock(
            variant=shirt, source=main, destination=annex, quantity=1, actor=CLERK
        )

    assert inventory_state() == before


@pytest.mark.parametrize("quantity", [0, -1, 1.5, True, 10**9])
def test_a_bad_transfer_quantity_changes_nothing(main, annex, shirt, quantity):
    adjust(shirt, main, quantity=10)
    before = inventory_state()

    with pytest.raises(InvalidInput) as raised:
        services.transfer_stock(
            variant=shirt, source=main, destination=annex, quantity=quantity, actor=CLERK
        )

    assert raised.value.code == "invalid_quantity"
    assert inventory_state() == before


# --- low stock and the catalog's in-stock flag ----------------------------------------------


def low_events(v) -> list[dict]:
    return [e.payload for e in Event.objects.filter(name="stock.low").order_by("created_at")
            if e.payload["variant_id"] == v.pk]  # fmt: skip


def test_low_stock_is_raised_once_when_crossed_and_again_after_recovering(main, shirt, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    adjust(shirt, main, quantity=20)
    assert low_events(shirt) == []

    adjust(shirt, main, quantity=5)
    adjust(shirt, main, quantity=3)
    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 1)], country=None
    )
    assert low_events(shirt) == [
        {"variant_id": shirt.pk, "sku": shirt.sku, "quantity": 5, "threshold": 5}
    ]

    adjust(shirt, main, quantity=7)
    assert len(low_events(shirt)) == 1
    services.allocate_order(
        order_reference="o2", lines=[OrderLine("l2", shirt.pk, 1)], country=None
    )
    assert len(low_events(shirt)) == 2
    assert InventoryItem.objects.get(variant=shirt).is_low


def test_a_threshold_per_variant_overrides_the_default(main, shirt, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    services.set_inventory_rules(variant=shirt, actor=CLERK, low_stock_threshold=10)

    adjust(shirt, main, quantity=8)

    assert low_events(shirt)[0]["threshold"] == 10
    services.set_inventory_rules(variant=shirt, actor=CLERK, low_stock_threshold=None)
    adjust(shirt, main, quantity=7)
    assert len(low_events(shirt)) == 1
    assert not InventoryItem.objects.get(variant=shirt).is_low


def test_the_products_in_stock_flag_follows_its_variants(main):
    a, b = make_variants(2)
    adjust(a, main, quantity=1)
    adjust(b, main, quantity=0)
    product = Product.objects.get(pk=a.product_id)
    assert product.in_stock

    services.allocate_order(order_reference="o1", lines=[OrderLine("l1", a.pk, 1)], country=None)
    assert not Product.objects.get(pk=product.pk).in_stock

    services.deallocate_lines(line_references=["l1"])
    assert Product.objects.get(pk=product.pk).in_stock

    services.set_inventory_rules(variant=b, actor=CLERK, allow_backorders=True)
    adjust(a, main, quantity=0)
    assert Product.objects.get(pk=product.pk).in_stock


def test_another_carts_expiring_reservation_does_not_leave_the_product_out_of_stock(main, shirt):
    adjust(shirt, main, quantity=3)
    services.reserve_stock(reference="cart-1", lines=[(shirt.pk, 2)])

    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 1)], country=None
    )
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert selectors.availability([shirt.pk])[shirt.pk].available == 2
    assert Product.objects.get(pk=shirt.product_id).in_stock


# --- the ledger check -----------------------------------------------------------------------


def test_check_stock_passes_on_a_consistent_database(main, annex, shirt, capsys):
    adjust(shirt, main, quantity=10)
    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 4)], country=None
    )
    services.fulfil_line(line_reference="l1", quantity=1)
    services.transfer_stock(variant=shirt, source=main, destination=annex, quantity=2, actor=CLERK)

    call_command("check_stock")

    assert "2 stock rows agree" in capsys.readouterr().out


@pytest.mark.parametrize("field", ["quantity", "quantity_allocated"])
def test_check_stock_fails_when_a_row_disagrees_with_the_ledger(main, shirt, capsys, field):
    adjust(shirt, main, quantity=10)
    Stock.objects.filter(variant=shirt).update(**{field: 9})

    with pytest.raises(SystemExit) as exited:
        call_command("check_stock")

    assert exited.value.code == 1
    assert shirt.sku in capsys.readouterr().err


def test_verify_ledger_names_allocations_that_disagree(main, shirt):
    adjust(shirt, main, quantity=10)
    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 4)], country=None
    )

    Allocation.objects.update(quantity=3)

    assert selectors.verify_ledger() == [f"{shirt.sku} @ main: allocated 4, allocations hold 3"]


def test_a_new_product_is_in_stock_only_once_it_has_stock(main):
    fresh = make_variant()
    product = fresh.product
    product.refresh_from_db()
    assert product.in_stock is False  # tracked, nothing on hand

    put_stock(fresh, main, 2)

    product.refresh_from_db()
    assert product.in_stock is True


def test_a_product_that_does_not_track_inventory_is_always_in_stock(db):
    untracked = make_variant(track_inventory=False)

    untracked.product.refresh_from_db()
    assert untracked.product.in_stock is True
