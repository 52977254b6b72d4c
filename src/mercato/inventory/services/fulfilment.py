"""What happens to allocated units afterwards: given back (cancelled), shipped, un-shipped
(a cancelled shipment), and returned units put back on hand."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from mercato.audit.services import SYSTEM, Actor
from mercato.catalog.models import ProductVariant
from mercato.core.errors import InvalidInput
from mercato.inventory.errors import InsufficientStock
from mercato.inventory.models import Allocation, Stock, StockMovement, Warehouse
from mercato.inventory.services.ledger import after_change, check_quantity, write_movement
from mercato.inventory.services.locks import lock_line_allocations, lock_stock_for, lock_stocks


def deallocate_lines(
    *, line_references: Iterable[str], actor: Actor = SYSTEM, reason: str = "cancelled"
) -> int:
    """Give back everything these order lines hold (an order cancelled). Returns units freed."""
    refs = list(line_references)
    freed = 0
    with transaction.atomic():
        stocks, allocations = lock_line_allocations(
            Allocation.objects.filter(line_reference__in=refs)
        )
        for allocation in allocations:
            write_movement(
                stocks[allocation.stock_id],
                kind=StockMovement.Kind.DEALLOCATION,
                allocated_delta=-allocation.quantity,
                reason=reason,
                actor=actor,
                order_reference=allocation.order_reference,
            )
            freed += allocation.quantity
            allocation.delete()
        after_change({s.variant_id for s in stocks.values()})
    return freed


def fulfil_line(
    *, line_reference: str, quantity: int, actor: Actor = SYSTEM, warehouse: Warehouse | None = None
) -> list[tuple[Stock, int]]:
    """Ship `quantity` of an order line: on-hand and allocated both go down. Taken from the
    line's allocations (in `warehouse` only, if given). Returns [(stock, quantity)]."""
    check_quantity(quantity)
    with transaction.atomic():
        stocks, allocations = lock_line_allocations(
            Allocation.objects.filter(line_reference=line_reference)
        )
        if warehouse is not None:
            allocations = [
                a for a in allocations if stocks[a.stock_id].warehouse_id == warehouse.pk
            ]
        if sum(a.quantity for a in allocations) < quantity:
            raise InvalidInput(
                "More than the line has allocated.",
                code="fulfil_exceeds_allocation",
                field="quantity",
            )
        taken = _ship(stocks, allocations, quantity, actor)
        after_change({s.variant_id for s, _ in taken})
    return taken


def _ship(
    stocks: dict[int, Stock], allocations: list[Allocation], quantity: int, actor: Actor
) -> list[tuple[Stock, int]]:
    """Take `quantity` from these allocations in turn, on hand and allocated both down."""
    taken, left = [], quantity
    for allocation in allocations:
        if not left:
            break
        take = min(allocation.quantity, left)
        stock = stocks[allocation.stock_id]
        if stock.quantity < take:
            raise InsufficientStock("Not enough on hand to ship (backordered).")
        write_movement(
            stock,
            kind=StockMovement.Kind.FULFILMENT,
            quantity_delta=-take,
            allocated_delta=-take,
            reason="shipped",
            actor=actor,
            order_reference=allocation.order_reference,
        )
        if take == allocation.quantity:
            allocation.delete()
        else:
            Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") - take)
        taken.append((stock, take))
        left -= take
    return taken


def unfulfil_line(
    *,
    line_reference: str,
    order_reference: str,
    stock: Stock,
    quantity: int,
    actor: Actor = SYSTEM,
) -> None:
    """Undo a fulfilment that did not leave (a cancelled shipment): the units are on hand and
    allocated to the line again."""
    check_quantity(quantity)
    with transaction.atomic():
        (locked,) = [s for s in lock_stocks([stock.variant_id]) if s.pk == stock.pk]
        write_movement(
            locked,
            kind=StockMovement.Kind.ALLOCATION,
            quantity_delta=quantity,
            allocated_delta=quantity,
            reason="fulfilment cancelled",
            actor=actor,
            order_reference=order_reference,
        )
        allocation, created = Allocation.objects.get_or_create(
            line_reference=line_reference,
            stock=locked,
            defaults={"quantity": quantity, "order_reference": order_reference},
        )
        if not created:
            Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") + quantity)
        after_change([locked.variant_id])


def restock_return(
    *,
    variant: ProductVariant,
    warehouse: Warehouse,
    quantity: int,
    order_reference: str = "",
    actor: Actor = SYSTEM,
    reason: str = "returned",
) -> StockMovement:
    """Put returned units back on hand."""
    check_quantity(quantity)
    with transaction.atomic():
        stock = lock_stock_for(variant, warehouse)
        made = write_movement(
            stock,
            kind=StockMovement.Kind.RETURN,
            quantity_delta=quantity,
            reason=reason,
            actor=actor,
            order_reference=order_reference,
        )
        after_change([variant.pk])
    return made
