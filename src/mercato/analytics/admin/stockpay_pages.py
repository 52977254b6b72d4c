"""The pages of the stock and payments reports: their forms (the API's parameters), what they
read (the report selectors, called as analytics/api/stockpay.py calls them), their tables,
charts, totals and empty states. Rates are those of the API (stockpay_schemas), as Decimals
so they sort."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, get_args
from uuid import UUID

from django import forms
from django.utils import timezone
from unfold.widgets import UnfoldAdminIntegerFieldWidget

from mercato.analytics.admin.forms import ReportForm, _choice
from mercato.analytics.admin.report_pages import CURRENT, PREVIOUS, Chart, _with_compared, bars
from mercato.analytics.admin.report_tables import share
from mercato.analytics.admin.tables import Column, Table, change
from mercato.analytics.reports.common import CurrencyRows
from mercato.analytics.reports.payments import PaymentFigures, ProviderPayments, get_payments
from mercato.analytics.reports.stock import (
    StockFilter,
    StockOrder,
    StockReport,
    get_report_warehouse,
    get_stock,
)
from mercato.analytics.selectors import Period
from mercato.analytics.services import local_day
from mercato.analytics.stockpay_schemas import _variant_out
from mercato.inventory.models import Stock, Warehouse

# The stock report

STOCK_FILTERS = {
    "all": "All variants",
    "low": "Low stock",
    "dead": "Dead stock",
    "out": "Out of stock",
}
assert set(STOCK_FILTERS) == set(get_args(StockFilter))
STOCK_ORDERS = {
    "value": "Most value at cost",
    "on_hand": "Most units on hand",
    "sold": "Most units sold",
    "days_of_cover": "Fewest days of cover",
    "sell_through": "Highest sell-through",
    "sku": "SKU",
}
assert set(STOCK_ORDERS) == set(get_args(StockOrder))


def _number(label: str, low: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        required=False,
        widget=UnfoldAdminIntegerFieldWidget,
    )


class StockForm(ReportForm):
    """The stock as it stands now: no range, comparison or currency (values at cost are in
    the shop's); a warehouse, the days the units sold count over (1 to 365, 30), a filter,
    an order and how many variants (1 to 500, 50), as the API's parameters."""

    start = None  # type: ignore[assignment]  # removes the field (Django forms)
    end = None  # type: ignore[assignment]
    compare = None  # type: ignore[assignment]
    currency = None  # type: ignore[assignment]
    warehouse = _choice("Warehouse", [])
    days = _number("Units sold over (days)", 1, 365)
    filter = _choice("Show", list(STOCK_FILTERS.items()))
    order_by = _choice("Order by", list(STOCK_ORDERS.items()))
    limit = _number("Variants", 1, 500)
    field_order = ["warehouse", "days", "filter", "order_by", "limit"]
    defaults = {"days": "30", "filter": "all", "order_by": "value", "limit": "50"}

    def __init__(self, data: Any, *, today: date) -> None:
        super().__init__(data, today=today)
        field = self.fields["warehouse"]
        assert isinstance(field, forms.ChoiceField)
        rows = Warehouse.objects.order_by("priority", "name", "pk").values_list("public_id", "name")
        field.choices = [("", "Every warehouse"), *((str(pk), name) for pk, name in rows)]

    def period(self) -> Period:
        """The shop days the units sold count in: the last `days`, today included, as the
        report counts them (nothing compared)."""
        end = local_day(timezone.now())
        start = end - timedelta(days=self.cleaned_data["days"] - 1)
        return Period(start=start, end=end, compare="none", previous=None)


def select_stock(period: Period, data: dict[str, Any]) -> StockReport:
    chosen = UUID(data["warehouse"]) if data["warehouse"] else None
    return get_stock(
        warehouse=get_report_warehouse(chosen),
        days=data["days"],
        show=data["filter"],
        order_by=data["order_by"],
        limit=data["limit"],
    )


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def stock_table(found: StockReport) -> Table:
    """A row per variant shown, in the report's order, with the API's rates."""
    table = Table(
        [
            Column("id", "ID"),
            Column("sku", "SKU"),
            Column("product", "Product"),
            Column("variant", "Variant"),
            Column("on_hand", "On hand"),
            Column("allocated", "Allocated"),
            Column("reserved", "Reserved"),
            Column("available", "Available"),
            Column("threshold", "Low-stock threshold"),
            Column("unit_cost", "Unit cost"),
            Column("value", "Value at cost"),
            Column("sold", "Units sold"),
            Column("daily_rate", "Per day"),
            Column("days_of_cover", "Days of cover"),
            Column("sell_through", "Sell-through (%)"),
            Column("dead", "Dead"),
        ]
    )
    for row in found.rows:
        out = _variant_out(row, found.days, found.currency)
        table.rows.append(
            {
                "id": row.id,
                "sku": row.sku,
                "product": row.product_name,
                "variant": row.variant_name,
                "on_hand": row.on_hand,
                "allocated": row.allocated,
                "reserved": row.reserved,
                "available": row.available,
                "threshold": row.threshold,
                "unit_cost": row.unit_cost,
                "value": row.value,
                "sold": row.sold,
                "daily_rate": Decimal(out.daily_rate),
                "days_of_cover": _decimal(out.days_of_cover),
                "sell_through": _decimal(out.sell_through),
                "dead": "yes" if row.dead else "no",
            }
        )
    return table


def stock_charts(found: StockReport) -> list[Chart]:
    """Units on hand and available per warehouse (the shop's currency only: one chart)."""
    if not found.warehouses:
        return []
    labels = [w.name for w in found.warehouses]
    sets = [
        ("On hand", [w.on_hand for w in found.warehouses], CURRENT),
        ("Available", [w.available for w in found.warehouses], PREVIOUS),
    ]
    return [("Units per warehouse", "bar", bars(labels, sets))]


def stock_notes(found: StockReport) -> list[str]:
    """Each warehouse's stock, then the totals (whatever the filter)."""
    code = found.currency
    notes = [
        f"{w.name}{'' if w.is_active else ' (inactive)'}: {w.variants} variants on hand, "
        f"on hand {w.on_hand}, allocated {w.allocated}, available {w.available}, value at "
        f"cost {w.value} {code}, {w.without_cost} without a cost"
        for w in found.warehouses
    ]
    t = found.totals
    notes.append(
        f"Total: {t.variants} variants, on hand {t.on_hand}, allocated {t.allocated}, "
        f"reserved {t.reserved}, available {t.available}, value at cost {t.value} {code} "
        f"({t.without_cost} without a cost), {t.sold} units sold; low {t.low}, out {t.out}, "
        f"dead {t.dead}"
    )
    return notes


def why_no_stock() -> str:
    """No stock row at all, or none the filter shows (one query)."""
    if Stock.objects.exists():
        return "No variant is shown: none matches this filter in this warehouse."
    return (
        "Nothing is stocked yet: the report reads the inventory's stock rows. Receive stock "
        "into a warehouse first."
    )


# The payments report


def select_payments(
    period: Period, data: dict[str, Any]
) -> list[CurrencyRows[PaymentFigures, ProviderPayments]]:
    return get_payments(period=period, currency=data["currency"])


def _payment_cells(figures: PaymentFigures) -> dict[str, Any]:
    return {
        "attempted": figures.attempted,
        "authorized": figures.authorized,
        "captured_count": figures.captured_count,
        "declined": figures.declined,
        "voided": figures.voided,
        "open": figures.open,
        "decline_rate": share(figures.declined, figures.attempted),
        "authorized_amount": figures.authorized_amount,
        "captured": figures.captured,
        "refunded": figures.refunded,
        "refund_rate": share(figures.refunded, figures.captured),
    }


def payments_table(found: list[CurrencyRows[PaymentFigures, ProviderPayments]]) -> Table:
    """A row per currency and provider (most attempts first), with the compared range's
    attempts, decline rate and captured amount."""
    table = Table(
        [
            Column("currency", "Currency"),
            Column("provider", "Provider"),
            Column("attempted", "Attempts"),
            Column("authorized", "Authorised"),
            Column("captured_count", "Captured"),
            Column("declined", "Declined"),
            Column("voided", "Voided"),
            Column("open", "Open"),
            Column("decline_rate", "Decline rate (%)"),
            Column("authorized_amount", "Amount authorised"),
            Column("captured", "Amount captured"),
            Column("refunded", "Amount refunded"),
            Column("refund_rate", "Refund rate (%)"),
            Column("previous_attempted", "Compared attempts"),
            Column("previous_decline_rate", "Compared decline rate (%)"),
            Column("previous_captured", "Compared amount captured"),
            Column("change", "Change (%)"),
        ]
    )
    for block in found:
        for item in block.rows:
            before = item.previous
            table.rows.append(
                {
                    "currency": block.currency,
                    "provider": item.provider,
                    **_payment_cells(item.current),
                    "previous_attempted": before.attempted if before else None,
                    "previous_decline_rate": share(before.declined, before.attempted)
                    if before
                    else None,
                    "previous_captured": before.captured if before else None,
                    "change": change(item.current.captured, before.captured if before else None),
                }
            )
    return table


def payments_charts(found: list[CurrencyRows[PaymentFigures, ProviderPayments]]) -> list[Chart]:
    """The decline rate per provider, and the compared range's."""
    charts = []
    for block in found:
        if not block.rows:
            continue
        labels = [item.provider or "(none)" for item in block.rows]
        now = [share(i.current.declined, i.current.attempted) for i in block.rows]
        before = None
        if block.previous_totals is not None:
            before = [
                share(i.previous.declined, i.previous.attempted) if i.previous else None
                for i in block.rows
            ]
        label = f"Decline rate, % ({block.currency})"
        charts.append((block.currency, "bar", bars(labels, _with_compared(label, now, before))))
    return charts


def _payments_line(figures: PaymentFigures) -> str:
    rate = share(figures.declined, figures.attempted)
    refunds = share(figures.refunded, figures.captured)
    return (
        f"attempts {figures.attempted}, declined {figures.declined} "
        f"({'—' if rate is None else rate} %), captured {figures.captured}, refunded "
        f"{figures.refunded} ({'—' if refunds is None else refunds} %)"
    )


def payments_notes(found: list[CurrencyRows[PaymentFigures, ProviderPayments]]) -> list[str]:
    notes = []
    for block in found:
        line = f"{block.currency}: {_payments_line(block.totals)}"
        if block.previous_totals is not None:
            line += f" (compared range: {_payments_line(block.previous_totals)})"
        notes.append(line)
    return notes
