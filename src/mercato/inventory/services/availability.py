"""Availability = on hand - allocated - active reservations, summed over the active
warehouses."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from django.db.models import Sum
from django.utils import timezone

from mercato.catalog.models import ProductVariant
from mercato.core.errors import NotFound
from mercato.inventory.models import InventoryItem, Reservation, Stock


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


def variants_with_items(variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    """The variants by pk, with their inventory item (variant_not_found if one is missing)."""
    ids = set(variant_ids)
    found = {
        v.pk: v for v in ProductVariant.objects.filter(pk__in=ids).select_related("inventory_item")
    }
    missing = ids - set(found)
    if missing:
        raise NotFound("No such variant.", code="variant_not_found")
    return found


def inventory_item(variant: ProductVariant) -> InventoryItem:
    """The variant's inventory rules, or the defaults (unsaved) when it has none yet."""
    try:
        return variant.inventory_item
    except InventoryItem.DoesNotExist:
        return InventoryItem(variant=variant)


def reserved_quantities(
    variant_ids: Iterable[int], exclude_reference: str | None = None
) -> dict[int, int]:
    """Units held by live reservations per variant (`exclude_reference`'s left out)."""
    reservations = Reservation.objects.filter(
        variant_id__in=list(variant_ids), expires_at__gt=timezone.now()
    )
    if exclude_reference:
        reservations = reservations.exclude(reference=exclude_reference)
    return dict(
        reservations.values("variant_id").annotate(n=Sum("quantity")).values_list("variant_id", "n")
    )


def _states(
    variants: Mapping[int, ProductVariant],
    on_hand: Mapping[int, int],
    allocated: Mapping[int, int],
    reserved: Mapping[int, int],
) -> dict[int, Availability]:
    return {
        pk: Availability(
            variant_id=pk,
            tracked=variant.track_inventory,
            backorders=inventory_item(variant).allow_backorders,
            on_hand=on_hand.get(pk, 0),
            allocated=allocated.get(pk, 0),
            reserved=reserved.get(pk, 0),
        )
        for pk, variant in variants.items()
    }


def availability(
    variant_ids: Iterable[int], *, exclude_reference: str | None = None
) -> dict[int, Availability]:
    """Availability of each variant now (three queries whatever the number of variants)."""
    variants = variants_with_items(variant_ids)
    on_hand: dict[int, int] = {}
    allocated: dict[int, int] = {}
    for variant_id, quantity, held in (
        Stock.objects.filter(variant_id__in=variants, warehouse__is_active=True)
        .values("variant_id")
        .annotate(on_hand=Sum("quantity"), allocated=Sum("quantity_allocated"))
        .values_list("variant_id", "on_hand", "allocated")
    ):
        on_hand[variant_id], allocated[variant_id] = quantity or 0, held or 0
    return _states(variants, on_hand, allocated, reserved_quantities(variants, exclude_reference))


def availability_of_locked(
    stocks: list[Stock], variants: Mapping[int, ProductVariant], reserved: Mapping[int, int]
) -> dict[int, Availability]:
    """`availability` computed from locked rows (read with their warehouse)."""
    on_hand: dict[int, int] = defaultdict(int)
    allocated: dict[int, int] = defaultdict(int)
    for stock in stocks:
        if stock.warehouse.is_active:
            on_hand[stock.variant_id] += stock.quantity
            allocated[stock.variant_id] += stock.quantity_allocated
    return _states(variants, on_hand, allocated, reserved)


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
