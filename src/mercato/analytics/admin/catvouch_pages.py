"""The pages of the categories and collections report and of the vouchers and promotions
report: their forms (the API's parameters), what they read (the report selectors, called as
analytics/api/catvouch.py calls them), their tables, charts and totals. Shares are those of
the API (report_schemas.percent), as Decimals so they sort."""

from typing import Any, get_args

from django import forms
from unfold.widgets import UnfoldAdminTextInputWidget

from mercato.analytics.admin.forms import ReportForm, _choice
from mercato.analytics.admin.report_pages import Chart, _with_compared, bars
from mercato.analytics.admin.report_tables import share
from mercato.analytics.admin.tables import Column, Table, change
from mercato.analytics.reports.categories import (
    CatalogGroup,
    CatalogReport,
    CatalogSales,
    Grouping,
    get_catalog_sales,
)
from mercato.analytics.reports.discounts import CurrencyDiscounts, get_discounts
from mercato.analytics.selectors import Period
from mercato.catalog.models import Category

# The categories and collections report

GROUPINGS = {"category": "Category", "collection": "Collection"}
assert set(GROUPINGS) == set(get_args(Grouping))


class CategoriesForm(ReportForm):
    """The report form with the API's `by` and `parent` (a category's public id: its
    children are the rows; only by category)."""

    by = _choice("One row per", list(GROUPINGS.items()))
    parent = forms.UUIDField(
        label="Parent category (id)",
        required=False,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "the top of the tree"}),
    )
    field_order = ["start", "end", "by", "parent", "compare", "currency"]
    defaults = {**ReportForm.defaults, "by": "category"}

    def clean(self) -> dict[str, Any]:
        """The API's refusals: a parent with `by=collection` (`parent_not_taken`), a parent
        the catalog does not have (`unknown_category`; one query)."""
        data = super().clean()
        parent = data.get("parent")
        if parent is not None:
            if data.get("by") == "collection":
                self.add_error("parent", "Only the categories have a parent.")
            elif not Category.objects.filter(public_id=parent).exists():
                self.add_error("parent", "The catalog has no such category.")
        return data


def select_categories(period: Period, data: dict[str, Any]) -> CatalogReport:
    return get_catalog_sales(
        period=period, by=data["by"], parent=data["parent"], currency=data["currency"]
    )


def _other_label(found: CatalogReport) -> str:
    if found.by == "collection":
        return "(in no collection)"
    if found.parent is not None:
        return f"(filed in {found.parent.name} itself)"
    return "(no category, or deleted since)"


def _catalog_row(
    currency: str, group: CatalogGroup, totals: CatalogSales, label: str
) -> dict[str, Any]:
    entry, now, before = group.entry, group.current, group.previous
    return {
        "currency": currency,
        "id": None if entry is None else str(entry.public_id),
        "name": label if entry is None else entry.name,
        "slug": None if entry is None else entry.slug,
        "subcategories": None if entry is None else entry.subcategories,
        "units": now.units,
        "net": now.net,
        "orders": now.orders,
        "share": share(now.net, totals.net),
        "previous_units": before.units if before else None,
        "previous_net": before.net if before else None,
        "change": change(now.net, before.net if before else None),
    }


def categories_table(found: CatalogReport) -> Table:
    """A row per currency and category (with its subtree) or collection, largest net sales
    first, then the lines in scope in none of them."""
    table = Table(
        [
            Column("currency", "Currency"),
            Column("id", "ID"),
            Column("name", GROUPINGS[found.by]),
            Column("slug", "Slug"),
            Column("subcategories", "Subcategories"),
            Column("units", "Units"),
            Column("net", "Net sales"),
            Column("orders", "Orders"),
            Column("share", "Share (%)"),
            Column("previous_units", "Compared units"),
            Column("previous_net", "Compared net sales"),
            Column("change", "Change (%)"),
        ]
    )
    other = _other_label(found)
    for block in found.currencies:
        for group in block.groups:
            table.rows.append(_catalog_row(block.currency, group, block.totals, ""))
        table.rows.append(_catalog_row(block.currency, block.other, block.totals, other))
    return table


def categories_charts(found: CatalogReport) -> list[Chart]:
    """Net sales per row, and the compared range's."""
    charts = []
    for block in found.currencies:
        groups = [*block.groups, block.other]
        labels = [g.entry.name if g.entry else _other_label(found) for g in groups]
        now = [g.current.net for g in groups]
        before = None
        if block.previous_totals is not None:
            before = [g.previous.net if g.previous else 0 for g in groups]
        label = f"Net sales ({block.currency})"
        charts.append((block.currency, "bar", bars(labels, _with_compared(label, now, before))))
    return charts


def _sales_line(sales: CatalogSales) -> str:
    return f"units {sales.units}, net sales {sales.net}, orders {sales.orders}"


def categories_notes(found: CatalogReport) -> list[str]:
    notes = []
    if found.parent is not None:
        notes.append(f"The children of {found.parent.name} ({found.parent.slug_path})")
    for block in found.currencies:
        line = f"{block.currency}: {_sales_line(block.totals)}"
        if block.previous_totals is not None:
            line += f" (compared range: {_sales_line(block.previous_totals)})"
        notes.append(line)
    return notes


# The vouchers and promotions report


def select_discounts(period: Period, data: dict[str, Any]) -> list[CurrencyDiscounts]:
    return get_discounts(period=period, currency=data["currency"])


VOUCHER, PROMOTION = "Voucher", "Promotion"


def discounts_table(found: list[CurrencyDiscounts]) -> Table:
    """Both lists of the report in one table (`Part`), per currency: the voucher codes
    (orders, what they took off, those orders' net sales), then the promotions (lines,
    units, what they took off, those lines' net sales), most discount first."""
    table = Table(
        [
            Column("currency", "Currency"),
            Column("part", "Part"),
            Column("name", "Code or promotion"),
            Column("id", "Promotion ID"),
            Column("orders", "Orders"),
            Column("lines", "Lines"),
            Column("units", "Units"),
            Column("discount", "Discount"),
            Column("net", "Net sales"),
            Column("previous_discount", "Compared discount"),
            Column("previous_net", "Compared net sales"),
            Column("change", "Change (%)"),
        ]
    )
    blank = {column.key: None for column in table.columns}
    for block in found:
        for voucher in block.vouchers:
            now, before = voucher.current, voucher.previous
            table.rows.append(
                blank
                | {
                    "currency": block.currency,
                    "part": VOUCHER,
                    "name": voucher.key,
                    "orders": now.orders,
                    "discount": now.discount,
                    "net": now.net,
                    "previous_discount": before.discount if before else None,
                    "previous_net": before.net if before else None,
                    "change": change(now.discount, before.discount if before else None),
                }
            )
        for promotion in block.promotions:
            offer, then = promotion.current, promotion.previous
            table.rows.append(
                blank
                | {
                    "currency": block.currency,
                    "part": PROMOTION,
                    "name": promotion.name,
                    "id": None if promotion.public_id is None else str(promotion.public_id),
                    "lines": offer.lines,
                    "units": offer.units,
                    "discount": offer.discount,
                    "net": offer.net,
                    "previous_discount": then.discount if then else None,
                    "previous_net": then.net if then else None,
                    "change": change(offer.discount, then.discount if then else None),
                }
            )
    return table


def discounts_charts(found: list[CurrencyDiscounts]) -> list[Chart]:
    """What each voucher code and each promotion gave away, and the compared range's."""
    charts = []
    for block in found:
        if not block.vouchers and not block.promotions:
            continue
        labels = [f"{VOUCHER} {g.key}" for g in block.vouchers] + [
            f"{PROMOTION} {g.name}" for g in block.promotions
        ]
        now = [g.current.discount for g in block.vouchers] + [
            g.current.discount for g in block.promotions
        ]
        before = None
        if block.previous_voucher_totals is not None:
            before = [g.previous.discount if g.previous else 0 for g in block.vouchers] + [
                g.previous.discount if g.previous else 0 for g in block.promotions
            ]
        label = f"Discount ({block.currency})"
        charts.append((block.currency, "bar", bars(labels, _with_compared(label, now, before))))
    return charts


def discounts_notes(found: list[CurrencyDiscounts]) -> list[str]:
    notes = []
    for block in found:
        v, p = block.voucher_totals, block.promotion_totals
        line = (
            f"{block.currency}: vouchers took {v.discount} off {v.orders} orders (net sales "
            f"{v.net}); promotions took {p.discount} off {p.lines} lines (net sales {p.net})"
        )
        bv, bp = block.previous_voucher_totals, block.previous_promotion_totals
        if bv is not None and bp is not None:
            line += f" (compared range: vouchers {bv.discount}, promotions {bp.discount})"
        notes.append(line)
    return notes
