"""Every change of a stock row writes its ledger movement; after a change, the low-stock
flag and the catalog's in-stock flag are brought up to date."""

from collections.abc import Iterable
from typing import Required, TypedDict, Unpack

from django.db.models import Case, F, Value, When
from django.utils import timezone
from pydantic import StrictInt, TypeAdapter, ValidationError

from mercato.audit.services import SYSTEM, Actor
from mercato.catalog import services as catalog_services
from mercato.core.events import record_event
from mercato.inventory.errors import InvalidQuantity
from mercato.inventory.models import InventoryItem, Stock, StockMovement
from mercato.inventory.selectors import (
    availability,
    inventory_item,
    products_in_stock,
    variants_with_items,
)

MAX_QUANTITY = 1_000_000


def _is_whole_number(value: object) -> bool:
    """A Python int that is not a bool (pydantic's StrictInt: no float, text or True)."""
    try:
        _STRICT_INT.validate_python(value)
    except ValidationError:
        return False
    return True


_STRICT_INT: TypeAdapter[int] = TypeAdapter(StrictInt)


def check_quantity(value: int, *, field: str = "quantity", allow_zero: bool = False) -> int:
    """A quantity from 1 (0 with `allow_zero`) to MAX_QUANTITY. The API's schemas check this
    already; services check it again because the admin, tasks and other apps call them
    from Python."""
    if not _is_whole_number(value):
        raise InvalidQuantity("A quantity is a whole number.", field=field)
    low = 0 if allow_zero else 1
    if not low <= value <= MAX_QUANTITY:
        raise InvalidQuantity(f"A quantity is between {low} and {MAX_QUANTITY}.", field=field)
    return value


def check_delta(value: int) -> int:
    """A change of on-hand quantity: a whole number from -MAX_QUANTITY to MAX_QUANTITY."""
    if not _is_whole_number(value) or abs(value) > MAX_QUANTITY:
        raise InvalidQuantity("delta is a whole number.", field="delta")
    return value


def movement(
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


def save_stock_rows(stocks: Iterable[Stock]) -> None:
    """Write the quantities of locked rows changed in memory by `movement` (one statement)."""
    stocks = list(stocks)
    if not stocks:
        return
    Stock.objects.filter(pk__in=[s.pk for s in stocks]).update(
        quantity=Case(*(When(pk=s.pk, then=Value(s.quantity)) for s in stocks)),
        quantity_allocated=Case(*(When(pk=s.pk, then=Value(s.quantity_allocated)) for s in stocks)),
        updated_at=timezone.now(),
    )


class Change(TypedDict, total=False):
    """The keyword arguments of `movement`, for `write_movement`."""

    kind: Required[str]
    quantity_delta: int
    allocated_delta: int
    reason: str
    actor: Actor
    order_reference: str


def write_movement(stock: Stock, **change: Unpack[Change]) -> StockMovement:
    """Apply a change to a locked stock row and write its movement (`change`: the keyword
    arguments of `movement`)."""
    made = movement(stock, **change)
    Stock.objects.filter(pk=stock.pk).update(
        quantity=F("quantity") + made.quantity_delta,
        quantity_allocated=F("quantity_allocated") + made.allocated_delta,
        updated_at=timezone.now(),
    )
    made.save()
    return made


def after_change(variant_ids: Iterable[int]) -> None:
    """Raise `stock.low` once when a variant's free stock falls to its threshold (and re-arm
    when it recovers), and keep the catalog's in-stock flag right."""
    ids = sorted(set(variant_ids))
    if not ids:
        return
    current = availability(ids)
    variants = variants_with_items(ids)
    for pk in ids:
        variant = variants[pk]
        if not variant.track_inventory:
            continue
        item = inventory_item(variant)
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
