"""Staff changes to what is on hand and to a variant's inventory rules."""

from django.db import transaction

from mercato.audit.services import Actor, record_change, snapshot
from mercato.catalog.models import ProductVariant
from mercato.core.errors import InvalidInput
from mercato.core.inputs import UNSET, Unset
from mercato.inventory.errors import BelowAllocated, InvalidQuantity, ReasonRequired
from mercato.inventory.models import InventoryItem, Stock, StockMovement, Warehouse
from mercato.inventory.services.ledger import (
    MAX_QUANTITY,
    after_change,
    check_delta,
    check_quantity,
    write_movement,
)
from mercato.inventory.services.locks import lock_stock_for, lock_stocks
from mercato.inventory.services.reservations import reapportion_reservations


def adjust_stock(
    *,
    variant: ProductVariant,
    warehouse: Warehouse,
    actor: Actor,
    reason: str,
    quantity: int | None = None,
    delta: int | None = None,
    kind: str = StockMovement.Kind.ADJUSTMENT,
) -> Stock:
    """Set the on-hand quantity (`quantity`) or change it (`delta`), with a reason. It may
    not go below what orders have allocated; below what carts reserved, the newest
    reservations become short (`reapportion_reservations`)."""
    if (quantity is None) == (delta is None):
        raise InvalidInput("Give either quantity or delta.", field="quantity")
    if not reason.strip():
        raise ReasonRequired("A reason is required.", field="reason")
    if quantity is not None:
        check_quantity(quantity, allow_zero=True)
    elif delta is not None:
        check_delta(delta)
    with transaction.atomic():
        stock = lock_stock_for(variant, warehouse)
        change = quantity - stock.quantity if quantity is not None else delta or 0
        if stock.quantity + change < stock.quantity_allocated:
            raise BelowAllocated(
                f"On hand cannot go below the {stock.quantity_allocated} allocated to orders.",
                field="quantity",
            )
        if stock.quantity + change > MAX_QUANTITY:
            raise InvalidQuantity("That is more than a stock row can hold.")
        if change:
            before = {"quantity": stock.quantity}
            write_movement(stock, kind=kind, quantity_delta=change, reason=reason, actor=actor)
            if change < 0:
                reapportion_reservations([variant.pk])
            record_change(
                actor=actor,
                action="update",
                obj=stock,
                verb=f"stock.{kind}",
                before=before,
                after={"quantity": stock.quantity},
            )
            after_change([variant.pk])
    return stock


def set_inventory_rules(
    *,
    variant: ProductVariant,
    actor: Actor,
    allow_backorders: bool | None = None,
    low_stock_threshold: int | Unset | None = UNSET,
) -> InventoryItem:
    with transaction.atomic():
        if allow_backorders is False:  # may shorten reservations: stock rows first (lock order)
            lock_stocks([variant.pk])
        item, _ = InventoryItem.objects.select_for_update().get_or_create(variant=variant)
        before = snapshot(item)
        if allow_backorders is not None:
            item.allow_backorders = allow_backorders
        if low_stock_threshold is not Unset.UNSET:
            if low_stock_threshold is not None:
                check_quantity(low_stock_threshold, allow_zero=True, field="low_stock_threshold")
            item.low_stock_threshold = low_stock_threshold
        item.save()
        if before["allow_backorders"] and not item.allow_backorders:
            reapportion_reservations([variant.pk])
        record_change(actor=actor, action="update", obj=item, before=before, after=snapshot(item))
        after_change([variant.pk])
        item.refresh_from_db(fields=["is_low"])
    return item
