"""The one lock order of inventory: stock rows of the variants involved, by primary key.

Every function that checks and then takes stock locks through these helpers first, so
concurrent buyers queue instead of both seeing the last unit, and never deadlock. On SQLite
the same code holds because every transaction takes the write lock at BEGIN
(`transaction_mode = IMMEDIATE`)."""

from collections.abc import Iterable

from django.db.models import QuerySet

from mercato.catalog.models import ProductVariant
from mercato.inventory.models import Allocation, Stock, Warehouse
from mercato.inventory.selectors import variants_with_items


def lock_stocks(variant_ids: Iterable[int]) -> list[Stock]:
    """Lock every stock row of these variants, in primary-key order (the only lock order)."""
    return list(
        Stock.objects.select_for_update()
        .filter(variant_id__in=sorted(set(variant_ids)))
        .order_by("pk")
    )


def lock_stocks_with_variants(variant_ids: Iterable[int]) -> list[Stock]:
    """`lock_stocks`, with each row's warehouse and variant (and its inventory item) read
    in the same query; only the stock rows are locked."""
    return list(
        Stock.objects.select_for_update(of=("self",))
        .select_related("warehouse", "variant__inventory_item")
        .filter(variant_id__in=sorted(set(variant_ids)))
        .order_by("pk")
    )


def locked_variants(stocks: list[Stock], variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    """The variants of rows read by `lock_stocks_with_variants`; those without a stock row
    are read (variant_not_found if one does not exist)."""
    found = {stock.variant_id: stock.variant for stock in stocks}
    missing = set(variant_ids) - set(found)
    if missing:
        found.update(variants_with_items(missing))
    return found


def lock_stock_for(variant: ProductVariant, warehouse: Warehouse) -> Stock:
    """The locked stock row of a variant in a warehouse, made if missing."""
    Stock.objects.get_or_create(variant=variant, warehouse=warehouse)
    return next(s for s in lock_stocks([variant.pk]) if s.warehouse_id == warehouse.pk)


def lock_line_allocations(
    allocations: QuerySet[Allocation],
) -> tuple[dict[int, Stock], list[Allocation]]:
    """Lock the stock rows these allocations draw on, then read the allocations: read before
    the lock, they may already have been shipped or given back by a concurrent call."""
    stocks = {s.pk: s for s in lock_stocks(allocations.values_list("stock__variant_id", flat=True))}
    return stocks, list(allocations.filter(stock_id__in=list(stocks)).order_by("pk"))
