"""The categories and collections report: units, net sales and orders of the counted order
lines per category of the catalog's tree (each counting its whole subtree), or per
collection, from their daily roll-up (`DailyCatalogGroup`, grouped as the catalog files the
products now): one query for the groups and the totals, and the catalog rows shown (the
parent, its children; or the collections found)."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.db.models import Q, Sum

from mercato.analytics.errors import UnknownCategory
from mercato.analytics.models import DailyCatalogGroup
from mercato.analytics.reports.common import cents, currencies, per_window, scope, windows
from mercato.analytics.selectors import Period
from mercato.catalog.models import Category, Collection

Grouping = Literal["category", "collection"]
ZERO = Decimal("0.00")
KEYS = {"group": "by", "entry": "key"}
SUMS = {name: (Sum, name) for name in ("units", "gross", "discounts", "orders")}


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
    spans = windows(period)
    days = DailyCatalogGroup.objects.filter(scope(period, currency))
    entries: list[CatalogEntry] = []
    own = found_parent.path if found_parent else ""
    if by == "category":
        entries = _children(found_parent)
        wanted = Q(by="category", key__in=[entry.key for entry in entries])
        wanted |= Q(by="filed", key=own)  # the lines filed in the parent itself, or in none
        wanted |= Q(by="category", key=own) if found_parent else Q(by="all")  # the totals
    else:
        wanted = Q(by__in=("collection", "all"))
    sold: dict[str, dict[Any, Windows]] = defaultdict(dict)
    totals: dict[str, Windows] = {}
    rest: dict[str, Windows] = {}
    for row in per_window(days.filter(wanted), keys=KEYS, sums=SUMS, spans=spans):
        code, figures = row["currency"], _windows(row, spans)
        if row["group"] == "all" or (row["group"] == "category" and row["entry"] == own):
            totals[code] = figures
        elif row["group"] == "filed" or row["entry"] == "":
            rest[code] = figures
        else:
            key = row["entry"] if by == "category" else int(row["entry"])
            sold[code][key] = figures
    if by == "collection":
        entries = _collections(sold)
    shown = []
    for code in currencies([*sold, *totals], currency):
        found = sold[code]
        groups = [_group(entry, found.get(entry.key), spans) for entry in entries]
        if by == "collection":
            groups = [g for g in groups if g.current.units or (g.previous and g.previous.units)]
        other = _group(None, rest.get(code), spans)
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


def _windows(row: dict[str, Any], spans: dict[str, Q]) -> Windows:
    """Each window's figures of a row of `per_window`."""
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
