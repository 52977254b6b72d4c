"""The report pages' figures as tables: columns and rows built from the report selectors,
sorted by any column, and written as CSV (the page's table and its download hold the same
rows in the same order)."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mercato.analytics.selectors import CurrencyOverview, Figures, RevenueSeries

# The figures of docs/analytics.md: (key, label, read from a Figures).
FIGURES: list[tuple[str, str, Callable[[Figures], Any]]] = [
    ("orders", "Orders", lambda f: f.orders),
    ("units", "Units", lambda f: f.units),
    ("gross", "Gross sales", lambda f: f.gross),
    ("discounts", "Discounts", lambda f: f.discounts),
    ("refunds", "Refunds", lambda f: f.refunds),
    ("net", "Net sales", lambda f: f.net),
    ("shipping", "Shipping", lambda f: f.shipping),
    ("tax", "Tax", lambda f: f.tax),
    ("total", "Total sales", lambda f: f.total),
    ("average_order_value", "Average order value", lambda f: f.average_order_value),
]


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass
class Table:
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def sorted_by(self, sort: str) -> "Table":
        """The rows by column `sort` (`-net`: descending), empty cells last; an unknown
        column leaves the order as it is."""
        key = sort.removeprefix("-")
        if key not in {c.key for c in self.columns}:
            return self
        filled = [row for row in self.rows if row[key] is not None]
        empty = [row for row in self.rows if row[key] is None]
        filled.sort(key=lambda row: row[key], reverse=sort.startswith("-"))
        return Table(self.columns, filled + empty)

    def has_figures(self) -> bool:
        """Whether a cell holds a number other than zero (a table of zeros says nothing)."""
        return any(
            isinstance(value, int | Decimal) and not isinstance(value, bool) and value != 0
            for row in self.rows
            for value in row.values()
        )

    def cells(self) -> list[list[str]]:
        return [[cell(row[c.key]) for c in self.columns] for row in self.rows]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.label for c in self.columns])
        writer.writerows(self.cells())
        return out.getvalue()


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def change(now: Any, before: Any) -> Decimal | None:
    """The change in percent (one decimal), None when there is nothing to compare with."""
    if now is None or not before:
        return None
    percent = (Decimal(now) - Decimal(before)) * 100 / Decimal(before)
    return percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def overview_table(found: list[CurrencyOverview]) -> Table:
    """One row per currency and figure: the range, the compared range, the change."""
    table = Table(
        [
            Column("currency", "Currency"),
            Column("figure", "Figure"),
            Column("current", "This range"),
            Column("previous", "Compared range"),
            Column("change", "Change (%)"),
        ]
    )
    for item in found:
        for _, label, read in FIGURES:
            now = read(item.current)
            before = read(item.previous) if item.previous else None
            table.rows.append(
                {
                    "currency": item.currency,
                    "figure": label,
                    "current": now,
                    "previous": before,
                    "change": change(now, before),
                }
            )
    return table


def revenue_table(found: list[RevenueSeries]) -> Table:
    """One row per currency and interval: every figure, and the compared interval's net
    sales with the change."""
    table = Table(
        [
            Column("currency", "Currency"),
            Column("start", "From"),
            Column("end", "To"),
            *(Column(key, label) for key, label, _ in FIGURES),
            Column("previous_net", "Compared net sales"),
            Column("change", "Change (%)"),
        ]
    )
    for series in found:
        for point in series.points:
            row: dict[str, Any] = {
                "currency": series.currency,
                "start": point.start,
                "end": point.end,
            }
            row.update({key: read(point.figures) for key, _, read in FIGURES})
            row["previous_net"] = point.previous.net if point.previous else None
            row["change"] = change(point.figures.net, row["previous_net"])
            table.rows.append(row)
    return table
