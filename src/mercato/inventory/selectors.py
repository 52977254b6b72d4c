"""Inventory reads. Availability = on hand - allocated - active reservations, summed over the
active warehouses."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from mercato.catalog.models import Product, ProductVariant
from mercato.core.queries import filter_given
from mercato.inventory.errors import VariantNotFound, WarehouseNotFound
from mercato.inventory.models import (
    Allocation,
    InventoryItem,
    Reservation,
    Stock,
    StockMovement,
    Warehouse,
)


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
        raise VariantNotFound("No such variant.")
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
    flag; inventory/receivers.py calls this when the catalog sends products_refreshed).
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


def reservation_columns(reference: str, variant: str = "variant_id") -> dict[str, Any]:
    """Annotations for rows that name a variant (`variant`: its column), giving what the
    live reservation of `reference` holds of it: `quantity_reserved` and `quantity_short`
    (0 without one). Read in the rows' own query: a cart's lines show their state for free."""
    live = Reservation.objects.filter(
        reference=reference, variant_id=OuterRef(variant), expires_at__gt=timezone.now()
    )
    return {
        f"quantity_{name}": Coalesce(Subquery(live.values(field)[:1]), 0)
        for name, field in (("reserved", "quantity"), ("short", "quantity_short"))
    }


def list_stocks(
    *, warehouse: str = "", search: str = "", state: str = "", default_threshold: int
) -> QuerySet[Stock]:
    """Stock rows with their variant and warehouse; `state` is low or out (of stock)."""
    stocks = Stock.objects.select_related(
        "warehouse", "variant__product", "variant__inventory_item"
    ).annotate(free=F("quantity") - F("quantity_allocated"))
    if warehouse:
        stocks = stocks.filter(warehouse__slug=warehouse)
    if search:
        stocks = stocks.filter(
            Q(variant__sku__icontains=search) | Q(variant__product__name__icontains=search)
        )
    if state == "out":
        stocks = stocks.filter(free__lte=0)
    elif state == "low":
        stocks = stocks.filter(
            Q(
                variant__inventory_item__low_stock_threshold__isnull=False,
                free__lte=F("variant__inventory_item__low_stock_threshold"),
            )
            | Q(
                variant__inventory_item__low_stock_threshold__isnull=True,
                free__lte=default_threshold,
            )
        )
    return stocks


def list_movements(*, sku: str = "", warehouse: str = "", order: str = "") -> QuerySet:
    return filter_given(
        StockMovement.objects.select_related("stock__warehouse", "stock__variant"),
        stock__variant__sku=sku,
        stock__warehouse__slug=warehouse,
        order_reference=order,
    )


def get_warehouse(*, public_id: UUID | None = None, slug: str = "") -> Warehouse:
    query = Q(public_id=public_id) if public_id else Q(slug=slug)
    warehouse = Warehouse.objects.filter(query).first()
    if warehouse is None:
        raise WarehouseNotFound("No such warehouse.")
    return warehouse


def list_warehouses() -> QuerySet[Warehouse]:
    return Warehouse.objects.all()


def get_variant_by_sku(sku: str) -> ProductVariant:
    variant = ProductVariant.objects.filter(sku=sku).first()
    if variant is None:
        raise VariantNotFound(f"No variant with SKU {sku!r}.")
    return variant


def list_visible_variants(public_ids: Iterable[UUID]) -> list[ProductVariant]:
    """The variants with these ids of published products (others are left out)."""
    return list(
        ProductVariant.objects.filter(
            public_id__in=list(public_ids), product__in=Product.objects.visible().values("pk")
        )
    )


def list_stocks_by_pk(pks: Iterable[int]) -> list[Stock]:
    """These stock rows with their variant, product and warehouse, in the order given."""
    pks = list(pks)
    rows = Stock.objects.select_related("variant__product", "warehouse").filter(pk__in=pks)
    return sorted(rows, key=lambda stock: pks.index(stock.pk))


def get_stock_quantity(*, sku: str, warehouse: Warehouse) -> int | None:
    """What is on hand of a SKU in a warehouse (None: no stock row)."""
    return (
        Stock.objects.filter(variant__sku=sku, warehouse=warehouse)
        .values_list("quantity", flat=True)
        .first()
    )


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
