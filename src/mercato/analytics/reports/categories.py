"""The categories and collections report: units, net sales and orders of the counted order
lines per category of the catalog's tree now (each counting its whole subtree), or per
collection. The line facts are joined to the catalog's products (their category, their
collections) and grouped in the database: one query for the groups, one for the totals, and
the catalog rows shown (the parent, its children; or the collections found)."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.db.models import Count, Expression, F, Q, QuerySet, Sum
from django.db.models.functions import Substr

from mercato.analytics.errors import UnknownCategory
from mercato.analytics.models import OrderLineFact
from mercato.analytics.reports.common import cents, currencies, scope, windows
from mercato.analytics.selectors import Period
from mercato.catalog.models import Category, Collection

Grouping = Literal["category", "collection"]
ZERO = Decimal("0.00")
PATH = "catalog_product__category__path"


@dataclass
class CatalogSales:
    """Counted lines of orders placed in a window: units, net sales (listed amount less
    promotions and the voucher: refunds are not split over lines) and the orders they are
    in."""

    units: int = 0
    net: Decimal = ZERO
    orders: int = 0

    def add(self, other: "CatalogSales") -> None:
        self.units += other.units
        self.net += other.net
        self.orders += other.orders


Windows = dict[str, CatalogSales]  # the figures of each window of a period


@dataclass(frozen=True)
class CatalogEntry:
    """A category (counting its subtree) or a collection, as the catalog has it now; `key`
    is what the lines are grouped by: its path in the tree, or its primary key."""

    key: Any
    public_id: UUID
    name: str
    slug: str
    subcategories: int | None = None


@dataclass
class CatalogGroup:
    """A group of lines: a catalog entry, or None for the lines in no entry."""

    entry: CatalogEntry | None
    current: CatalogSales
    previous: CatalogSales | None


@dataclass
class CurrencyCatalog:
    """One currency: the totals of the lines in scope (the parent's subtree, or every
    line), the groups, and `other`: the lines in scope in no group (products filed in the
    parent itself; at the top, without a category or deleted since; in no collection)."""

    currency: str
    totals: CatalogSales
    previous_totals: CatalogSales | None
    groups: list[CatalogGroup]
    other: CatalogGroup


@dataclass
class CatalogReport:
    by: Grouping
    parent: Category | None
    currencies: list[CurrencyCatalog]


def get_catalog_sales(
    *,
    period: Period,
    by: Grouping = "category",
    parent: UUID | None = None,
    currency: str | None = None,
) -> CatalogReport:
    """Per currency, the sales of each child of `parent` (a category's public id; None: the
    top of the tree) with its subtree, or of each collection with sales in either window,
    largest net sales first, each with the compared range. 422 `unknown_category` for a
    parent the catalog does not have."""
    found_parent = _parent(parent)
    lines = OrderLineFact.objects.filter(scope(period, currency), counted=True)
    if found_parent is not None:
        lines = lines.filter(**{f"{PATH}__startswith": found_parent.path})
    spans = windows(period)
    key: Expression | F
    if by == "category":
        level = (found_parent.depth if found_parent else 0) + 1
        key = Substr(PATH, 1, level * Category.steplen)
    else:
        key = F("catalog_product__collections")
    sold: dict[str, dict[Any, Windows]] = defaultdict(dict)
    for row in _grouped(lines.values("currency", key=key), spans):
        sold[row["currency"]][row["key"]] = _windows(row, spans)
    totals = {
        row["currency"]: _windows(row, spans) for row in _grouped(lines.values("currency"), spans)
    }
    entries = _children(found_parent) if by == "category" else _collections(sold)
    shown = []
    for code in currencies(sold, currency):
        found = sold[code]
        groups = [_group(entry, found.pop(entry.key, None), spans) for entry in entries]
        if by == "collection":
            groups = [g for g in groups if g.current.units or (g.previous and g.previous.units)]
        other = _group(None, None, spans)
        for rest in found.values():  # the lines in no entry (one key: the parent's or None)
            _add(other, rest)
        total = _group(None, totals.get(code), spans)
        shown.append(
            CurrencyCatalog(
                currency=code,
                totals=total.current,
                previous_totals=total.previous,
                groups=sorted(groups, key=_rank),
                other=other,
            )
        )
    return CatalogReport(by=by, parent=found_parent, currencies=shown)


def _parent(public_id: UUID | None) -> Category | None:
    if public_id is None:
        return None
    found = Category.objects.filter(public_id=public_id).first()
    if found is None:
        raise UnknownCategory("The catalog has no such category.", field="parent")
    return found


def _grouped(lines: QuerySet[Any], spans: dict[str, Q]) -> list[dict[str, Any]]:
    """`lines.values(...)` with each window's units, listed amount, discounts and distinct
    orders, in one query."""
    sums: dict[str, Any] = {}
    for window, days in spans.items():
        sums[f"units_{window}"] = Sum("quantity", filter=days)
        sums[f"gross_{window}"] = Sum("gross", filter=days)
        sums[f"discounts_{window}"] = Sum("discount", filter=days)
        sums[f"orders_{window}"] = Count("order_id", distinct=True, filter=days)
    return list(lines.annotate(**sums).order_by())


def _windows(row: dict[str, Any], spans: dict[str, Q]) -> Windows:
    return {
        window: CatalogSales(
            units=row[f"units_{window}"] or 0,
            net=cents(row[f"gross_{window}"]) - cents(row[f"discounts_{window}"]),
            orders=row[f"orders_{window}"] or 0,
        )
        for window in spans
    }


def _group(entry: CatalogEntry | None, found: Windows | None, spans: dict[str, Q]) -> CatalogGroup:
    """A group with the figures found for it (None: zero); no previous without comparison."""
    found = found or {window: CatalogSales() for window in spans}
    return CatalogGroup(entry=entry, current=found["current"], previous=found.get("previous"))


def _add(group: CatalogGroup, found: Windows) -> None:
    group.current.add(found["current"])
    if group.previous is not None:
        group.previous.add(found["previous"])


def _rank(group: CatalogGroup) -> tuple[Decimal, int, str]:
    return (-group.current.net, -group.current.units, group.entry.name if group.entry else "")


def _children(parent: Category | None) -> list[CatalogEntry]:
    """The categories one level below `parent` (the roots for None), in the tree's order."""
    level = (parent.depth if parent else 0) + 1
    children = Category.objects.filter(depth=level)
    if parent is not None:
        children = children.filter(path__startswith=parent.path)
    rows = children.order_by("path").values_list(
        "path", "public_id", "name", "slug_path", "numchild"
    )
    return [
        CatalogEntry(path, public_id, name, slug, numchild)
        for path, public_id, name, slug, numchild in rows
    ]


def _collections(sold: dict[str, dict[Any, Windows]]) -> list[CatalogEntry]:
    """The collections with lines in any currency, in one query."""
    ids = {key for found in sold.values() for key in found if key is not None}
    if not ids:
        return []
    rows = Collection.objects.filter(pk__in=ids).order_by("name", "pk")
    return [
        CatalogEntry(pk, public_id, name, slug)
        for pk, public_id, name, slug in rows.values_list("pk", "public_id", "name", "slug")
    ]
