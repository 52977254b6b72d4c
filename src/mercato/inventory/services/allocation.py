"""Allocation: a placed order takes its units from the warehouses that ship to its country,
by priority. Everything is planned from the locked stock rows before anything is written."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from mercato.audit.services import SYSTEM, Actor
from mercato.catalog.models import ProductVariant
from mercato.core.errors import NotFound
from mercato.inventory.errors import InsufficientStock
from mercato.inventory.models import Allocation, Stock, StockMovement, Warehouse
from mercato.inventory.selectors import (
    availability_of_locked,
    inventory_item,
    reserved_quantities,
)
from mercato.inventory.services.ledger import (
    after_change,
    check_quantity,
    movement,
    save_stock_rows,
)
from mercato.inventory.services.locks import lock_stocks_with_variants, locked_variants
from mercato.inventory.services.reservations import release_reservations


@dataclass(frozen=True)
class OrderLine:
    """What allocation needs of an order line."""

    line_reference: str
    variant_id: int
    quantity: int


Plan = list[tuple[OrderLine, Stock, int]]  # (line, stock row, quantity) for every tracked line


def allocate_order(
    *,
    order_reference: str,
    lines: list[OrderLine],
    country: str | None,
    reservation_reference: str | None = None,
    actor: Actor = SYSTEM,
) -> list[Allocation]:
    """Allocate every line of a placed order, or none. Warehouses that ship to `country` are
    taken by priority; a line may be split over several when ALLOCATION_SPLIT_LINES is on.
    The order's own reservations (its cart) are turned into the allocation. Variants that do
    not track inventory need nothing; backorders may allocate beyond what is on hand.

    Everything is planned from the locked stock rows before anything is written, so a refusal
    (raised after the transaction block, which takes no savepoint) leaves a caller's
    transaction usable."""
    for line in lines:
        check_quantity(line.quantity)
    variant_ids = {line.variant_id for line in lines}
    allocations: list[Allocation] = []
    error: InsufficientStock | NotFound | None = None
    with transaction.atomic(savepoint=False):
        stocks, variants, error = _lock_for_allocation(variant_ids, country)
        if error is None:
            reserved = reserved_quantities(variant_ids, exclude_reference=reservation_reference)
            plan = _plan_allocation(stocks, variants, lines, country, reserved)
            if isinstance(plan, InsufficientStock):
                error = plan
            else:
                free_before = _free(stocks)
                allocations = _write_allocations(plan, order_reference, actor)
                if reservation_reference:
                    release_reservations(reference=reservation_reference, variant_ids=variant_ids)
                if _crossed(variants, free_before, _free(stocks)):
                    after_change(variant_ids)
    if error is not None:
        raise error
    return allocations


def _lock_for_allocation(
    variant_ids: set[int], country: str | None
) -> tuple[list[Stock], dict[int, ProductVariant], NotFound | None]:
    """The locked stock rows of these variants (with a row made for each variant sold on
    backorder that has none where it can ship from), the variants, or the refusal."""
    stocks = lock_stocks_with_variants(variant_ids)
    try:
        variants = locked_variants(stocks, variant_ids)
    except NotFound as exc:
        return stocks, {}, exc
    if any(v.track_inventory and inventory_item(v).allow_backorders for v in variants.values()):
        warehouses = Warehouse.objects.filter(is_active=True)
        if _make_backorder_stocks(variants.values(), warehouses, country):
            stocks = lock_stocks_with_variants(variant_ids)
    return stocks, variants, None


def _write_allocations(plan: Plan, order_reference: str, actor: Actor) -> list[Allocation]:
    """Apply the plan to the locked rows and write rows, movements and allocations."""
    movements, touched, allocations = [], {}, []
    for line, stock, quantity in plan:
        movements.append(
            movement(
                stock,
                kind=StockMovement.Kind.ALLOCATION,
                allocated_delta=quantity,
                reason=f"order {order_reference}",
                actor=actor,
                order_reference=order_reference,
            )
        )
        touched[stock.pk] = stock
        allocations.append(
            Allocation(
                line_reference=line.line_reference,
                order_reference=order_reference,
                stock=stock,
                quantity=quantity,
            )
        )
    save_stock_rows(touched.values())
    StockMovement.objects.bulk_create(movements)
    return Allocation.objects.bulk_create(allocations)


def _plan_allocation(
    stocks: list[Stock],
    variants: dict[int, ProductVariant],
    lines: list[OrderLine],
    country: str | None,
    reserved: dict[int, int],
) -> Plan | InsufficientStock:
    """[(line, stock row, quantity)] for every tracked line, or the refusal. The rows are
    left as they were (the plan is applied in memory while it is made, then undone)."""
    current = availability_of_locked(stocks, variants, reserved)
    by_variant: dict[int, list[Stock]] = defaultdict(list)
    for stock in stocks:
        if stock.warehouse.is_active and stock.warehouse.ships_to(country):
            by_variant[stock.variant_id].append(stock)
    needed: dict[int, int] = defaultdict(int)
    for line in lines:
        needed[line.variant_id] += line.quantity
    for variant_id, quantity in needed.items():
        if not current[variant_id].can_sell(quantity):
            return InsufficientStock(
                "Not enough stock for this order.",
                variant_id=str(variants[variant_id].public_id),
                available=current[variant_id].available,
            )
    # Other carts' reservations still count: each variant may use at most what is free of
    # them across all warehouses.
    budget = {pk: current[pk].available for pk in needed}
    planned: Plan = []
    refusal = None
    for line in lines:
        state = current[line.variant_id]
        if not state.tracked:
            continue
        split = _plan(
            by_variant[line.variant_id],
            line.quantity,
            budget=budget[line.variant_id],
            backorders=state.backorders,
        )
        if split is None:
            refusal = InsufficientStock(
                "No warehouse that ships there has enough stock for this line.",
                variant_id=str(variants[line.variant_id].public_id),
                available=state.available,
            )
            break
        for stock, quantity in split:
            budget[line.variant_id] -= quantity
            stock.quantity_allocated += quantity
            planned.append((line, stock, quantity))
    for _, stock, quantity in planned:  # undo: `movement` applies them again, one by one
        stock.quantity_allocated -= quantity
    return refusal or planned


def _free(stocks: list[Stock]) -> dict[int, int]:
    """On hand minus allocated per variant over the active warehouses (the low-stock and
    in-stock measure of `after_change`)."""
    free: dict[int, int] = defaultdict(int)
    for stock in stocks:
        if stock.warehouse.is_active:
            free[stock.variant_id] += stock.quantity - stock.quantity_allocated
    return free


def _crossed(
    variants: dict[int, ProductVariant], before: dict[int, int], after: dict[int, int]
) -> bool:
    """Whether `after_change` has something to do: a tracked variant whose low-stock flag
    is wrong now, or that became unsellable (free stock went from 1 or more to 0 or less)."""
    for pk, variant in variants.items():
        if not variant.track_inventory:
            continue
        item = inventory_item(variant)
        if (after.get(pk, 0) <= item.threshold) != item.is_low:
            return True
        if not item.allow_backorders and (before.get(pk, 0) >= 1) != (after.get(pk, 0) >= 1):
            return True
    return False


def _make_backorder_stocks(
    variants: Iterable[ProductVariant], warehouses: Iterable[Warehouse], country: str | None
) -> bool:
    """A variant sold on backorder needs a stock row to hold its allocation: one in the first
    warehouse that ships to `country`, if it has none there yet."""
    backordered = [
        v.pk for v in variants if v.track_inventory and inventory_item(v).allow_backorders
    ]
    shipping = sorted(
        (w for w in warehouses if w.ships_to(country)), key=lambda w: (w.priority, w.pk)
    )
    if not backordered or not shipping:
        return False
    stocked = set(
        Stock.objects.filter(variant_id__in=backordered, warehouse__in=shipping).values_list(
            "variant_id", flat=True
        )
    )
    for variant_id in sorted(set(backordered) - stocked):
        Stock.objects.get_or_create(variant_id=variant_id, warehouse=shipping[0])
    return bool(set(backordered) - stocked)


def _plan(
    stocks: list[Stock], quantity: int, *, budget: int, backorders: bool
) -> list[tuple[Stock, int]] | None:
    """Which warehouses give how much of a line: [(stock, quantity)], or None."""
    ordered = sorted(stocks, key=lambda s: (s.warehouse.priority, s.warehouse.pk))
    if not settings.ALLOCATION_SPLIT_LINES:
        return _plan_whole(ordered, quantity, budget=budget, backorders=backorders)
    plan, left = [], quantity
    for stock in ordered:
        take = min(stock.quantity_free, budget, left)
        if take > 0:
            plan.append((stock, take))
            left -= take
            budget -= take
        if not left:
            return plan
    if backorders and ordered:
        if plan and plan[0][0] is ordered[0]:
            plan[0] = (ordered[0], plan[0][1] + left)
        else:
            plan.insert(0, (ordered[0], left))
        return plan
    return None


def _plan_whole(
    ordered: list[Stock], quantity: int, *, budget: int, backorders: bool
) -> list[tuple[Stock, int]] | None:
    """The first warehouse that has the whole line (or, on backorder, the first one)."""
    for stock in ordered:
        if min(stock.quantity_free, budget) >= quantity:
            return [(stock, quantity)]
    if backorders and ordered:
        return [(ordered[0], quantity)]
    return None
