"""Inventory: reservations, allocation, fulfilment, adjustments and transfers, each with its
ledger movement. Nothing here can sell a unit twice:

- every function that checks and then takes stock first locks the stock rows of the variants
  involved, always in primary-key order (one helper, `_lock_stocks`), so concurrent buyers
  queue instead of both seeing the last unit, and never deadlock;
- on SQLite the same code holds because every transaction takes the write lock at BEGIN
  (`transaction_mode = IMMEDIATE`);
- CHECK constraints keep on-hand and allocated quantities from going below zero.

Available = on hand - allocated - active reservations, summed over the active warehouses.

Reservations never hold more than the shelf: when staff cut stock (or move it to an inactive
warehouse, close a warehouse, stop backorders) below what carts reserved, the oldest live
reservations keep their units and the newest give up the rest, marked `quantity_short`
(`reapportion_reservations`). So a unit on the shelf is always sellable to someone.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from mercato.audit.services import SYSTEM, Actor, record_change, snapshot
from mercato.catalog import services as catalog_services
from mercato.catalog.models import ProductVariant
from mercato.core.countries import COUNTRY_CODES
from mercato.core.errors import Conflict, InvalidInput, NotFound
from mercato.core.events import record_event
from mercato.inventory.models import (
    Allocation,
    InventoryItem,
    Reservation,
    Stock,
    StockMovement,
    Warehouse,
)

MAX_QUANTITY = 1_000_000
UNSET: Any = object()  # "leave as it is", where None is a value


class InsufficientStock(Conflict):
    code, title = "insufficient_stock", "Not enough stock"


@dataclass(frozen=True)
class Availability:
    variant_id: int
    tracked: bool
    backorders: bool
    on_hand: int
    allocated: int
    reserved: int

    @property
    def available(self) -> int:
        return max(self.on_hand - self.allocated - self.reserved, 0)

    def can_sell(self, quantity: int) -> bool:
        return not self.tracked or self.backorders or self.available >= quantity


@dataclass(frozen=True)
class OrderLine:
    """What allocation needs of an order line."""

    line_reference: str
    variant_id: int
    quantity: int


def _quantity(value: Any, *, field: str = "quantity", allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("A quantity is a whole number.", code="invalid_quantity", field=field)
    low = 0 if allow_zero else 1
    if not low <= value <= MAX_QUANTITY:
        raise InvalidInput(
            f"A quantity is between {low} and {MAX_QUANTITY}.", code="invalid_quantity", field=field
        )
    return value


def _lock_stocks(variant_ids: Iterable[int]) -> list[Stock]:
    """Lock every stock row of these variants, in primary-key order (the only lock order)."""
    return list(
        Stock.objects.select_for_update()
        .filter(variant_id__in=sorted(set(variant_ids)))
        .order_by("pk")
    )


def _variants(variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    ids = set(variant_ids)
    found = {
        v.pk: v for v in ProductVariant.objects.filter(pk__in=ids).select_related("inventory_item")
    }
    missing = ids - set(found)
    if missing:
        raise NotFound("No such variant.", code="variant_not_found")
    return found


def _item(variant: ProductVariant) -> InventoryItem:
    try:
        return variant.inventory_item
    except InventoryItem.DoesNotExist:
        return InventoryItem(variant=variant)


def availability(
    variant_ids: Iterable[int], *, exclude_reference: str | None = None
) -> dict[int, Availability]:
    """Availability of each variant now (three queries whatever the number of variants)."""
    variants = _variants(variant_ids)
    stock = defaultdict(lambda: [0, 0])
    for variant_id, on_hand, allocated in (
        Stock.objects.filter(variant_id__in=variants, warehouse__is_active=True)
        .values("variant_id")
        .annotate(on_hand=Sum("quantity"), allocated=Sum("quantity_allocated"))
        .values_list("variant_id", "on_hand", "allocated")
    ):
        stock[variant_id] = [on_hand or 0, allocated or 0]
    reservations = Reservation.objects.filter(
        variant_id__in=variants, expires_at__gt=timezone.now()
    )
    if exclude_reference:
        reservations = reservations.exclude(reference=exclude_reference)
    reserved = dict(
        reservations.values("variant_id").annotate(n=Sum("quantity")).values_list("variant_id", "n")
    )
    return {
        pk: Availability(
            variant_id=pk,
            tracked=variant.track_inventory,
            backorders=_item(variant).allow_backorders,
            on_hand=stock[pk][0],
            allocated=stock[pk][1],
            reserved=reserved.get(pk, 0),
        )
        for pk, variant in variants.items()
    }


def _lock_stocks_with_variants(variant_ids: Iterable[int]) -> list[Stock]:
    """`_lock_stocks`, with each row's warehouse and variant (and its inventory item) read
    in the same query; only the stock rows are locked."""
    return list(
        Stock.objects.select_for_update(of=("self",))
        .select_related("warehouse", "variant__inventory_item")
        .filter(variant_id__in=sorted(set(variant_ids)))
        .order_by("pk")
    )


def _locked_variants(stocks: list[Stock], variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    """The variants of rows read by `_lock_stocks_with_variants`; those without a stock row
    are read (variant_not_found if one does not exist)."""
    found = {stock.variant_id: stock.variant for stock in stocks}
    missing = set(variant_ids) - set(found)
    if missing:
        found.update(_variants(missing))
    return found


def _reserved(variant_ids: Iterable[int], exclude_reference: str | None) -> dict[int, int]:
    reservations = Reservation.objects.filter(
        variant_id__in=list(variant_ids), expires_at__gt=timezone.now()
    )
    if exclude_reference:
        reservations = reservations.exclude(reference=exclude_reference)
    return dict(
        reservations.values("variant_id").annotate(n=Sum("quantity")).values_list("variant_id", "n")
    )


def _availability_of_locked(
    stocks: list[Stock], variants: dict[int, ProductVariant], reserved: dict[int, int]
) -> dict[int, Availability]:
    """`availability` computed from locked rows (read with their warehouse)."""
    on_hand: dict[int, int] = defaultdict(int)
    allocated: dict[int, int] = defaultdict(int)
    for stock in stocks:
        if stock.warehouse.is_active:
            on_hand[stock.variant_id] += stock.quantity
            allocated[stock.variant_id] += stock.quantity_allocated
    return {
        pk: Availability(
            variant_id=pk,
            tracked=variant.track_inventory,
            backorders=_item(variant).allow_backorders,
            on_hand=on_hand[pk],
            allocated=allocated[pk],
            reserved=reserved.get(pk, 0),
        )
        for pk, variant in variants.items()
    }


def _movement(
    stock: Stock,
    *,
    kind: str,
    quantity_delta: int = 0,
    allocated_delta: int = 0,
    reason: str = "",
    actor: Actor = SYSTEM,
    order_reference: str = "",
) -> StockMovement:
    """Apply a change to a locked stock row in memory and make (not save) its movement."""
    before_q, before_a = stock.quantity, stock.quantity_allocated
    stock.quantity += quantity_delta
    stock.quantity_allocated += allocated_delta
    return StockMovement(
        stock=stock,
        kind=kind,
        quantity_delta=quantity_delta,
        quantity_before=before_q,
        quantity_after=stock.quantity,
        allocated_delta=allocated_delta,
        allocated_before=before_a,
        allocated_after=stock.quantity_allocated,
        reason=reason[:250],
        actor_label=actor.label[:254],
        actor_user_id=actor.user_id,
        order_reference=order_reference,
    )


def _save_stock_rows(stocks: Iterable[Stock]) -> None:
    """Write the quantities of locked rows changed in memory by `_movement` (one statement)."""
    stocks = list(stocks)
    if not stocks:
        return
    Stock.objects.filter(pk__in=[s.pk for s in stocks]).update(
        quantity=Case(*(When(pk=s.pk, then=Value(s.quantity)) for s in stocks)),
        quantity_allocated=Case(*(When(pk=s.pk, then=Value(s.quantity_allocated)) for s in stocks)),
        updated_at=timezone.now(),
    )


def _ledger(
    stock: Stock,
    *,
    kind: str,
    quantity_delta: int = 0,
    allocated_delta: int = 0,
    reason: str = "",
    actor: Actor = SYSTEM,
    order_reference: str = "",
) -> StockMovement:
    """Apply a change to a locked stock row and write its movement."""
    movement = _movement(
        stock,
        kind=kind,
        quantity_delta=quantity_delta,
        allocated_delta=allocated_delta,
        reason=reason,
        actor=actor,
        order_reference=order_reference,
    )
    Stock.objects.filter(pk=stock.pk).update(
        quantity=F("quantity") + quantity_delta,
        quantity_allocated=F("quantity_allocated") + allocated_delta,
        updated_at=timezone.now(),
    )
    movement.save()
    return movement


def _after_change(variant_ids: Iterable[int]) -> None:
    """Raise `stock.low` once when a variant's free stock falls to its threshold (and re-arm
    when it recovers), and keep the catalog's in-stock flag right."""
    ids = sorted(set(variant_ids))
    if not ids:
        return
    current = availability(ids)
    variants = _variants(ids)
    for pk in ids:
        variant = variants[pk]
        if not variant.track_inventory:
            continue
        item = _item(variant)
        free = current[pk].on_hand - current[pk].allocated
        low = free <= item.threshold
        if low != item.is_low:
            item.is_low = low
            if item.pk:  # only the flag: rules may have changed since this row was read
                InventoryItem.objects.filter(pk=item.pk).update(is_low=low)
            else:
                item.save()
            if low:
                record_event(
                    "stock.low",
                    variant_id=pk,
                    sku=variant.sku,
                    quantity=free,
                    threshold=item.threshold,
                )
    catalog_services.set_in_stock(products_in_stock({v.product_id for v in variants.values()}))


def products_in_stock(product_ids: Iterable[int]) -> dict[int, bool]:
    """Whether each product has a variant that can be bought now (the catalog's in-stock
    flag; the catalog calls this through CATALOG_STOCK_RESOLVER when variants change).
    Reservations do not count here: nothing recomputes the flag when one expires."""
    ids = set(product_ids)
    in_stock: dict[int, bool] = dict.fromkeys(ids, False)
    variants = dict(
        ProductVariant.objects.filter(product_id__in=ids).values_list("pk", "product_id")
    )
    if not variants:
        return in_stock
    for variant_id, state in availability(variants).items():
        in_stock[variants[variant_id]] |= replace(state, reserved=0).can_sell(1)
    return in_stock


# --- reservations ---------------------------------------------------------------------------


def reserve_stock(
    *, reference: str, lines: list[tuple[int, int]], ttl_seconds: int | None = None
) -> list[Reservation]:
    """Make `reference` (a cart) hold exactly these quantities of these variants, replacing
    what it held of them (and clearing a shortage). Quantity 0 releases. All lines or none:
    an `insufficient_stock` problem names the first variant short."""
    if not reference or len(reference) > 100:
        raise InvalidInput("A reservation needs a reference.", field="reference")
    wanted: dict[int, int] = {}
    for variant_id, quantity in lines:
        wanted[variant_id] = _quantity(quantity, allow_zero=True)
    ttl = ttl_seconds if ttl_seconds is not None else settings.RESERVATION_TTL
    expires = timezone.now() + timedelta(seconds=ttl)
    error: InsufficientStock | NotFound | None = None
    reservations: list[Reservation] = []
    # No savepoint of its own: a refusal is raised after the block, before anything is written,
    # so a caller's transaction stays usable.
    with transaction.atomic(savepoint=False):
        stocks = _lock_stocks_with_variants(wanted)
        try:
            variants = _locked_variants(stocks, wanted)
        except NotFound as exc:
            variants, error = {}, exc
        current = _availability_of_locked(
            stocks, variants, _reserved(wanted, exclude_reference=reference) if variants else {}
        )
        for variant_id, quantity in wanted.items() if error is None else ():
            if quantity and not current[variant_id].can_sell(quantity):
                error = InsufficientStock(
                    "Not enough stock for this quantity.",
                    variant_id=str(variants[variant_id].public_id),
                    available=current[variant_id].available,
                )
                break
        if error is None:
            held = {pk: q for pk, q in wanted.items() if q and current[pk].tracked}
            # A live reservation keeps its age (its rank when stock is cut); a lapsed one
            # is replaced by a new one, as are the lines released.
            Reservation.objects.filter(reference=reference, variant_id__in=list(wanted)).filter(
                ~Q(variant_id__in=list(held)) | Q(expires_at__lte=timezone.now())
            ).delete()
            reservations = Reservation.objects.bulk_create(
                [
                    Reservation(
                        reference=reference,
                        variant_id=variant_id,
                        quantity=quantity,
                        quantity_short=0,
                        expires_at=expires,
                    )
                    for variant_id, quantity in held.items()
                ],
                update_conflicts=True,
                unique_fields=["reference", "variant"],
                update_fields=["quantity", "quantity_short", "expires_at"],
            )
    if error is not None:
        raise error
    return reservations


def renew_reservations(*, reference: str, ttl_seconds: int | None = None) -> int:
    """Push the expiry of a cart's reservations forward (the shopper is active). Expired ones
    are not revived: the cart must reserve again."""
    ttl = ttl_seconds if ttl_seconds is not None else settings.RESERVATION_TTL
    now = timezone.now()
    return Reservation.objects.filter(reference=reference, expires_at__gt=now).update(
        expires_at=now + timedelta(seconds=ttl)
    )


def release_reservations(*, reference: str, variant_ids: Iterable[int] | None = None) -> int:
    reservations = Reservation.objects.filter(reference=reference)
    if variant_ids is not None:
        reservations = reservations.filter(variant_id__in=list(variant_ids))
    return reservations.delete()[0]


def delete_expired_reservations() -> int:
    return Reservation.objects.filter(expires_at__lte=timezone.now()).delete()[0]


def reapportion_reservations(variant_ids: Iterable[int]) -> int:
    """Make the live reservations of these variants fit the shelf again (on hand minus
    allocated over the active warehouses), after stock went below what carts reserved.
    Oldest first (by `created_at`, then pk), each keeps what is left of the shelf; the
    newest give up the rest, which they note as `quantity_short`. Variants sold on
    backorder or not tracked are left alone. The caller holds the variants' stock rows
    locked (every change of a reservation's quantity does). Returns units taken back.

    Three queries when nothing is over-reserved (the usual case), two more when it is."""
    ids = sorted(set(variant_ids))
    if not ids:
        return 0
    current = availability(ids)
    shelf = {
        pk: max(state.on_hand - state.allocated, 0)
        for pk, state in current.items()
        if state.tracked
        and not state.backorders
        and state.reserved > state.on_hand - state.allocated
    }
    if not shelf:
        return 0
    changed: list[Reservation] = []
    taken = 0
    for reservation in Reservation.objects.filter(
        variant_id__in=list(shelf), expires_at__gt=timezone.now()
    ).order_by("variant_id", "created_at", "pk"):
        keep = min(reservation.quantity, shelf[reservation.variant_id])
        shelf[reservation.variant_id] -= keep
        if keep < reservation.quantity:
            taken += reservation.quantity - keep
            reservation.quantity_short += reservation.quantity - keep
            reservation.quantity = keep
            changed.append(reservation)
    if changed:
        Reservation.objects.filter(pk__in=[r.pk for r in changed]).update(
            quantity=Case(*(When(pk=r.pk, then=Value(r.quantity)) for r in changed)),
            quantity_short=Case(*(When(pk=r.pk, then=Value(r.quantity_short)) for r in changed)),
        )
    return taken


# --- allocation, fulfilment, returns --------------------------------------------------------


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
        _quantity(line.quantity)
    variant_ids = {line.variant_id for line in lines}
    allocations: list[Allocation] = []
    error: InsufficientStock | NotFound | None = None
    with transaction.atomic(savepoint=False):
        stocks = _lock_stocks_with_variants(variant_ids)
        try:
            variants = _locked_variants(stocks, variant_ids)
        except NotFound as exc:
            variants, error = {}, exc
        if any(v.track_inventory and _item(v).allow_backorders for v in variants.values()):
            warehouses = {w.pk: w for w in Warehouse.objects.filter(is_active=True)}
            if _make_backorder_stocks(variants.values(), warehouses.values(), country):
                stocks = _lock_stocks_with_variants(variant_ids)
        plans = (
            []
            if error
            else _plan_allocation(
                stocks,
                variants,
                lines,
                country,
                _reserved(variant_ids, exclude_reference=reservation_reference),
            )
        )
        if isinstance(plans, InsufficientStock):
            error = plans
        elif error is None:
            free_before = _free(stocks)
            movements, touched = [], {}
            for line, stock, quantity in plans:
                movements.append(
                    _movement(
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
            _save_stock_rows(touched.values())
            StockMovement.objects.bulk_create(movements)
            allocations = Allocation.objects.bulk_create(allocations)
            if reservation_reference:
                release_reservations(reference=reservation_reference, variant_ids=variant_ids)
            if _crossed(variants, free_before, _free(stocks)):
                _after_change(variant_ids)
    if error is not None:
        raise error
    return allocations


def _plan_allocation(
    stocks: list[Stock],
    variants: dict[int, ProductVariant],
    lines: list[OrderLine],
    country: str | None,
    reserved: dict[int, int],
) -> list[tuple[OrderLine, Stock, int]] | InsufficientStock:
    """[(line, stock row, quantity)] for every tracked line, applied to the rows in memory
    (quantity_allocated), or the refusal."""
    current = _availability_of_locked(stocks, variants, reserved)
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
    planned: list[tuple[OrderLine, Stock, int]] = []
    for line in lines:
        availability_ = current[line.variant_id]
        if not availability_.tracked:
            continue
        plan = _plan(
            by_variant[line.variant_id],
            line.quantity,
            budget=budget[line.variant_id],
            backorders=availability_.backorders,
        )
        if plan is None:
            for _, stock, quantity in planned:  # undo what was applied in memory
                stock.quantity_allocated -= quantity
            return InsufficientStock(
                "No warehouse that ships there has enough stock for this line.",
                variant_id=str(variants[line.variant_id].public_id),
                available=availability_.available,
            )
        for stock, quantity in plan:
            budget[line.variant_id] -= quantity
            stock.quantity_allocated += quantity
            planned.append((line, stock, quantity))
    for _, stock, quantity in planned:  # _movement applies them again, one by one
        stock.quantity_allocated -= quantity
    return planned


def _free(stocks: list[Stock]) -> dict[int, int]:
    """On hand minus allocated per variant over the active warehouses (the low-stock and
    in-stock measure of `_after_change`)."""
    free: dict[int, int] = defaultdict(int)
    for stock in stocks:
        if stock.warehouse.is_active:
            free[stock.variant_id] += stock.quantity - stock.quantity_allocated
    return free


def _crossed(
    variants: dict[int, ProductVariant], before: dict[int, int], after: dict[int, int]
) -> bool:
    """Whether `_after_change` has something to do: a tracked variant whose low-stock flag
    is wrong now, or that became unsellable (free stock went from 1 or more to 0 or less)."""
    for pk, variant in variants.items():
        if not variant.track_inventory:
            continue
        item = _item(variant)
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
    backordered = [v.pk for v in variants if v.track_inventory and _item(v).allow_backorders]
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
        for stock in ordered:
            if min(stock.quantity_free, budget) >= quantity:
                return [(stock, quantity)]
        if backorders and ordered:
            return [(ordered[0], quantity)]
        return None
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


def _lock_line_allocations(
    allocations: QuerySet[Allocation],
) -> tuple[dict[int, Stock], list[Allocation]]:
    """Lock the stock rows these allocations draw on, then read the allocations: read before
    the lock, they may already have been shipped or given back by a concurrent call."""
    stocks = {
        s.pk: s for s in _lock_stocks(allocations.values_list("stock__variant_id", flat=True))
    }
    return stocks, list(allocations.filter(stock_id__in=list(stocks)).order_by("pk"))


def deallocate_lines(
    *, line_references: Iterable[str], actor: Actor = SYSTEM, reason: str = "cancelled"
) -> int:
    """Give back everything these order lines hold (an order cancelled). Returns units freed."""
    refs = list(line_references)
    freed = 0
    with transaction.atomic():
        stocks, allocations = _lock_line_allocations(
            Allocation.objects.filter(line_reference__in=refs)
        )
        for allocation in allocations:
            stock = stocks[allocation.stock_id]
            _ledger(
                stock,
                kind=StockMovement.Kind.DEALLOCATION,
                allocated_delta=-allocation.quantity,
                reason=reason,
                actor=actor,
                order_reference=allocation.order_reference,
            )
            freed += allocation.quantity
            allocation.delete()
        _after_change({s.variant_id for s in stocks.values()})
    return freed


def fulfil_line(
    *, line_reference: str, quantity: int, actor: Actor = SYSTEM, warehouse: Warehouse | None = None
) -> list[tuple[Stock, int]]:
    """Ship `quantity` of an order line: on-hand and allocated both go down. Taken from the
    line's allocations (in `warehouse` only, if given). Returns [(stock, quantity)]."""
    _quantity(quantity)
    with transaction.atomic():
        stocks, allocations = _lock_line_allocations(
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
        taken, left = [], quantity
        for allocation in allocations:
            if not left:
                break
            take = min(allocation.quantity, left)
            stock = stocks[allocation.stock_id]
            if stock.quantity < take:
                raise InsufficientStock("Not enough on hand to ship (backordered).")
            _ledger(
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
        _after_change({s.variant_id for s, _ in taken})
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
    _quantity(quantity)
    with transaction.atomic():
        (locked,) = [s for s in _lock_stocks([stock.variant_id]) if s.pk == stock.pk]
        _ledger(
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
        _after_change([locked.variant_id])


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
    _quantity(quantity)
    with transaction.atomic():
        stock = _stock_for(variant, warehouse)
        movement = _ledger(
            stock,
            kind=StockMovement.Kind.RETURN,
            quantity_delta=quantity,
            reason=reason,
            actor=actor,
            order_reference=order_reference,
        )
        _after_change([variant.pk])
    return movement


# --- staff: adjust, transfer ----------------------------------------------------------------


def _stock_for(variant: ProductVariant, warehouse: Warehouse) -> Stock:
    """The locked stock row of a variant in a warehouse, made if missing."""
    Stock.objects.get_or_create(variant=variant, warehouse=warehouse)
    return next(s for s in _lock_stocks([variant.pk]) if s.warehouse_id == warehouse.pk)


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
        raise InvalidInput("A reason is required.", code="reason_required", field="reason")
    if quantity is not None:
        _quantity(quantity, allow_zero=True)
    elif isinstance(delta, bool) or not isinstance(delta, int) or abs(delta) > MAX_QUANTITY:
        raise InvalidInput("delta is a whole number.", code="invalid_quantity", field="delta")
    with transaction.atomic():
        stock = _stock_for(variant, warehouse)
        change = quantity - stock.quantity if quantity is not None else delta
        if stock.quantity + change < stock.quantity_allocated:
            raise InvalidInput(
                f"On hand cannot go below the {stock.quantity_allocated} allocated to orders.",
                code="below_allocated",
                field="quantity",
            )
        if stock.quantity + change > MAX_QUANTITY:
            raise InvalidInput("That is more than a stock row can hold.", code="invalid_quantity")
        if change:
            before = {"quantity": stock.quantity}
            _ledger(stock, kind=kind, quantity_delta=change, reason=reason, actor=actor)
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
            _after_change([variant.pk])
    return stock


def transfer_stock(
    *,
    variant: ProductVariant,
    source: Warehouse,
    destination: Warehouse,
    quantity: int,
    actor: Actor,
    reason: str = "transfer",
) -> tuple[Stock, Stock]:
    """Move units between warehouses; only what is not allocated can move."""
    _quantity(quantity)
    if source.pk == destination.pk:
        raise InvalidInput(
            "A transfer needs two different warehouses.", code="same_warehouse", field="destination"
        )
    with transaction.atomic():
        Stock.objects.get_or_create(variant=variant, warehouse=destination)
        locked = {s.warehouse_id: s for s in _lock_stocks([variant.pk])}
        out, into = locked.get(source.pk), locked[destination.pk]
        if out is None or out.quantity_free < quantity:
            raise InsufficientStock(
                "The source warehouse does not have that many free units.",
                available=out.quantity_free if out else 0,
            )
        _ledger(
            out,
            kind=StockMovement.Kind.TRANSFER_OUT,
            quantity_delta=-quantity,
            reason=f"{reason} → {destination.slug}",
            actor=actor,
        )
        _ledger(
            into,
            kind=StockMovement.Kind.TRANSFER_IN,
            quantity_delta=quantity,
            reason=f"{reason} ← {source.slug}",
            actor=actor,
        )
        if source.is_active and not destination.is_active:
            reapportion_reservations([variant.pk])
        record_change(
            actor=actor,
            action="action",
            obj=out,
            verb="stock.transfer",
            after={"to": destination.slug, "quantity": quantity},
        )
        _after_change([variant.pk])
    return out, into


def set_inventory_rules(
    *,
    variant: ProductVariant,
    actor: Actor,
    allow_backorders: bool | None = None,
    low_stock_threshold: Any = UNSET,
) -> InventoryItem:
    with transaction.atomic():
        if allow_backorders is False:  # may shorten reservations: stock rows first (lock order)
            _lock_stocks([variant.pk])
        item, _ = InventoryItem.objects.select_for_update().get_or_create(variant=variant)
        before = snapshot(item)
        if allow_backorders is not None:
            item.allow_backorders = allow_backorders
        if low_stock_threshold is not UNSET:
            if low_stock_threshold is not None:
                _quantity(low_stock_threshold, allow_zero=True, field="low_stock_threshold")
            item.low_stock_threshold = low_stock_threshold
        item.save()
        if before["allow_backorders"] and not item.allow_backorders:
            reapportion_reservations([variant.pk])
        record_change(actor=actor, action="update", obj=item, before=before, after=snapshot(item))
        _after_change([variant.pk])
        item.refresh_from_db(fields=["is_low"])
    return item


# --- warehouses -----------------------------------------------------------------------------

WAREHOUSE_FIELDS = (
    "name",
    "line1",
    "line2",
    "city",
    "postal_code",
    "country",
    "countries",
    "priority",
    "is_active",
)


def clean_country_codes(*, country: str, countries: Any) -> tuple[str, list[str]]:
    """A warehouse's own country and the sorted, unique list it ships to, upper-cased; an
    `invalid_country` error names the field that is not ISO 3166-1 alpha-2."""
    if not isinstance(countries, list | tuple) or not all(isinstance(c, str) for c in countries):
        raise InvalidInput("A list of country codes.", code="invalid_country", field="countries")
    codes = sorted({c.strip().upper() for c in countries})
    if any(c not in COUNTRY_CODES for c in codes):
        raise InvalidInput(
            "Not an ISO 3166-1 alpha-2 country code.", code="invalid_country", field="countries"
        )
    country = (country or "").strip().upper()
    if country and country not in COUNTRY_CODES:
        raise InvalidInput(
            "Not an ISO 3166-1 alpha-2 country code.", code="invalid_country", field="country"
        )
    return country, codes


def save_warehouse(
    *, actor: Actor, warehouse: Warehouse | None = None, changes: dict[str, Any]
) -> Warehouse:

    creating = warehouse is None
    with transaction.atomic():
        # closing it may shorten reservations: lock its stock rows first (the lock order)
        stocked = (
            _lock_stocks(
                Stock.objects.filter(warehouse_id=warehouse.pk).values_list("variant_id", flat=True)
            )
            if not creating and changes.get("is_active") is False
            else []
        )
        warehouse = (
            Warehouse() if creating else Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        )
        before = None if creating else snapshot(warehouse)
        for name in WAREHOUSE_FIELDS:
            if name in changes:
                setattr(warehouse, name, changes[name])
        warehouse.country, warehouse.countries = clean_country_codes(
            country=warehouse.country, countries=warehouse.countries
        )
        if "slug" in changes or creating:
            warehouse.slug = catalog_services.make_slug(changes.get("slug") or warehouse.name)
        if Warehouse.objects.filter(slug=warehouse.slug).exclude(pk=warehouse.pk).exists():
            raise Conflict("Another warehouse uses this slug.", code="slug_taken", field="slug")
        warehouse.save()
        if before and before["is_active"] and not warehouse.is_active:
            reapportion_reservations(s.variant_id for s in stocked)
        record_change(
            actor=actor,
            action="create" if creating else "update",
            obj=warehouse,
            before=before,
            after=snapshot(warehouse),
        )
    return warehouse


def delete_warehouse(*, actor: Actor, warehouse: Warehouse) -> None:
    """Delete a warehouse that never held stock; one with stock rows is deactivated instead."""
    with transaction.atomic():
        warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        if Stock.objects.filter(warehouse=warehouse).exists():
            raise Conflict(
                "This warehouse has stock rows (and their ledger): deactivate it instead.",
                code="warehouse_in_use",
            )
        before = snapshot(warehouse)
        warehouse.delete()
        record_change(
            actor=actor,
            action="delete",
            obj=warehouse,
            before=before,
            object_id=str(before["public_id"]),
        )


# --- ledger check ---------------------------------------------------------------------------


def verify_ledger() -> list[str]:
    """Every disagreement between stock rows, their ledger and their allocations (empty when
    all agree). Three queries."""
    ledger = {
        row["stock_id"]: row
        for row in StockMovement.objects.values("stock_id").annotate(
            quantity=Sum("quantity_delta"), allocated=Sum("allocated_delta")
        )
    }
    held = dict(
        Allocation.objects.values("stock_id")
        .annotate(n=Sum("quantity"))
        .values_list("stock_id", "n")
    )
    problems = []
    for stock in Stock.objects.select_related("variant", "warehouse").order_by("pk"):
        row = ledger.get(stock.pk, {"quantity": 0, "allocated": 0})
        label = f"{stock.variant.sku} @ {stock.warehouse.slug}"
        if stock.quantity != row["quantity"]:
            problems.append(f"{label}: on hand {stock.quantity}, ledger says {row['quantity']}")
        if stock.quantity_allocated != row["allocated"]:
            problems.append(
                f"{label}: allocated {stock.quantity_allocated}, ledger says {row['allocated']}"
            )
        if stock.quantity_allocated != held.get(stock.pk, 0):
            problems.append(
                f"{label}: allocated {stock.quantity_allocated}, "
                f"allocations hold {held.get(stock.pk, 0)}"
            )
    return problems
