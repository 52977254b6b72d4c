"""The pages of the carts and customer value reports: their forms (the API's parameters),
what they read (the report selectors, called as analytics/api/custcart.py calls them), their
tables, charts, totals and empty states. Rates and shares are those of the API
(report_schemas.percent), as Decimals so they sort."""

from typing import Any

from mercato.analytics import panels
from mercato.analytics.admin.forms import ReportForm, RevenueForm
from mercato.analytics.admin.report_forms import _limit
from mercato.analytics.admin.report_pages import CURRENT, Chart, _with_compared, bars
from mercato.analytics.admin.report_tables import share
from mercato.analytics.admin.tables import Column, Table
from mercato.analytics.models import DailyCarts
from mercato.analytics.reports.carts import CartFigures, CartSeries, get_carts
from mercato.analytics.reports.value import SEGMENT_NAMES, CustomerValue, get_customer_value
from mercato.analytics.selectors import Period

# The carts report


class CartsForm(RevenueForm):
    """The revenue report's form, as the API's carts report: range, interval, comparison,
    currency."""


def select_carts(period: Period, data: dict[str, Any]) -> list[CartSeries]:
    return get_carts(period=period, interval=data["interval"], currency=data["currency"])


def _cart_cells(figures: CartFigures | None, prefix: str = "") -> dict[str, Any]:
    if figures is None:
        keys = ("created", "with_lines", "converted", "abandoned", "abandonment_rate")
        return {f"{prefix}{key}": None for key in (*keys, "abandoned_value")}
    return {
        f"{prefix}created": figures.created,
        f"{prefix}with_lines": figures.with_lines,
        f"{prefix}converted": figures.converted,
        f"{prefix}abandoned": figures.abandoned,
        f"{prefix}abandonment_rate": share(figures.abandoned, figures.with_lines),
        f"{prefix}abandoned_value": figures.abandoned_value,
    }


def carts_table(found: list[CartSeries]) -> Table:
    """A row per currency and interval: the carts made then, as they stand, and the compared
    interval's."""
    table = Table(
        [
            Column("currency", "Currency"),
            Column("start", "From"),
            Column("end", "To"),
            Column("created", "Carts made"),
            Column("with_lines", "With lines"),
            Column("converted", "Converted"),
            Column("abandoned", "Abandoned"),
            Column("abandonment_rate", "Abandonment rate (%)"),
            Column("conversion_rate", "Conversion rate (%)"),
            Column("abandoned_value", "Abandoned value"),
            Column("previous_created", "Compared carts made"),
            Column("previous_with_lines", "Compared with lines"),
            Column("previous_converted", "Compared converted"),
            Column("previous_abandoned", "Compared abandoned"),
            Column("previous_abandonment_rate", "Compared abandonment rate (%)"),
            Column("previous_abandoned_value", "Compared abandoned value"),
        ]
    )
    for series in found:
        for point in series.rows:
            now = point.current
            table.rows.append(
                {
                    "currency": series.currency,
                    "start": point.start,
                    "end": point.end,
                    **_cart_cells(now),
                    "conversion_rate": share(now.converted, now.with_lines),
                    **_cart_cells(point.previous, "previous_"),
                }
            )
    return table


def carts_charts(found: list[CartSeries]) -> list[Chart]:
    """The abandonment rate per interval, and the compared interval's."""
    charts = []
    for series in found:
        labels = [point.start.isoformat() for point in series.rows]
        now = [share(p.current.abandoned, p.current.with_lines) for p in series.rows]
        before = None
        if series.previous_totals is not None:
            before = [
                share(p.previous.abandoned, p.previous.with_lines) if p.previous else None
                for p in series.rows
            ]
        label = f"Abandonment rate, % ({series.currency})"
        charts.append((series.currency, "bar", bars(labels, _with_compared(label, now, before))))
    return charts


def _carts_line(figures: CartFigures) -> str:
    rate = share(figures.abandoned, figures.with_lines)
    return (
        f"carts made {figures.created}, with lines {figures.with_lines}, converted "
        f"{figures.converted}, abandoned {figures.abandoned} "
        f"({'—' if rate is None else rate} %), abandoned value {figures.abandoned_value}"
    )


def carts_notes(found: list[CartSeries]) -> list[str]:
    """Each currency's totals, and the compared range's."""
    notes = []
    for series in found:
        line = f"{series.currency}: {_carts_line(series.totals)}"
        if series.previous_totals is not None:
            line += f" (compared range: {_carts_line(series.previous_totals)})"
        notes.append(line)
    return notes


EMPTY_CARTS = {
    "none": "No cart counted yet: carts are summed from the checkout every five minutes "
    "(the analytics_carts_rolled_up chore), and `mercato rebuild-analytics` sums those "
    "still there.",
    "range": "No cart was made in this range. Choose another range.",
}


def why_no_carts() -> str:
    """Carts are not orders: a shop without carts, or a range without any (one query)."""
    return EMPTY_CARTS["range" if DailyCarts.objects.exists() else "none"]


# The customer value report


class CustomerValueForm(ReportForm):
    """The API's parameters: range and currency (no comparison), top customers per
    currency (1 to 100, default 10)."""

    compare = None  # type: ignore[assignment]  # removes the field (Django forms)
    limit = _limit("Top customers per currency")
    field_order = ["start", "end", "limit", "currency"]
    defaults = {"limit": "10"}


def select_customer_value(period: Period, data: dict[str, Any]) -> list[CustomerValue]:
    return get_customer_value(
        start=period.start, end=period.end, limit=data["limit"], currency=data["currency"]
    )


SEGMENT, TOP = "RFM segment", "Top customer"
SEGMENT_LABELS = {name: name.replace("_", " ").capitalize() for name in SEGMENT_NAMES}


def customer_value_table(found: list[CustomerValue]) -> Table:
    """Both lists of the report in one table (`Part`), per currency: every RFM segment (its
    customers, their share, orders and net), then the top customers by net (their account,
    orders, net, first and last order in the range, scores and segment)."""
    table = Table(
        [
            Column("currency", "Currency"),
            Column("part", "Part"),
            Column("rank", "Rank"),
            Column("email", "Email"),
            Column("customer_id", "Customer ID"),
            Column("segment", "Segment"),
            Column("customers", "Customers"),
            Column("share", "Share (%)"),
            Column("orders", "Orders"),
            Column("net", "Net sales"),
            Column("first_order", "First order"),
            Column("last_order", "Last order"),
            Column("recency", "R"),
            Column("frequency", "F"),
            Column("monetary", "M"),
        ]
    )
    blank = {column.key: None for column in table.columns}
    for block in found:
        for segment in block.segments.values():
            table.rows.append(
                blank
                | {
                    "currency": block.currency,
                    "part": SEGMENT,
                    "segment": SEGMENT_LABELS[segment.name],
                    "customers": segment.customers,
                    "share": share(segment.customers, block.customers),
                    "orders": segment.orders,
                    "net": segment.net,
                }
            )
        for rank, top in enumerate(block.top, start=1):
            recency, frequency, monetary = top.scores
            table.rows.append(
                blank
                | {
                    "currency": block.currency,
                    "part": TOP,
                    "rank": rank,
                    "email": top.email,
                    "customer_id": top.public_id,
                    "segment": SEGMENT_LABELS[top.segment],
                    "orders": top.orders,
                    "net": top.net,
                    "first_order": top.first_day,
                    "last_order": top.last_day,
                    "recency": recency,
                    "frequency": frequency,
                    "monetary": monetary,
                }
            )
    return table


def customer_value_charts(found: list[CustomerValue]) -> list[Chart]:
    """Per currency, the customers per RFM segment, and their net sales (two charts: a count
    and an amount do not share an axis)."""
    charts = []
    for block in found:
        if not block.customers:
            continue
        segments = list(block.segments.values())
        labels = [SEGMENT_LABELS[s.name] for s in segments]
        customers = [("Customers", [s.customers for s in segments], CURRENT)]
        net = [(f"Net sales ({block.currency})", [s.net for s in segments], CURRENT)]
        charts.append((f"{block.currency}: customers per segment", "bar", bars(labels, customers)))
        charts.append((f"{block.currency}: net sales per segment", "bar", bars(labels, net)))
    return charts


def customer_value_notes(found: list[CustomerValue]) -> list[str]:
    """Each currency's lifetime value."""

    def shown(value: Any) -> str:
        return "—" if value is None else str(value)

    return [
        f"{block.currency}: customers {block.customers}, orders {block.orders}, net sales "
        f"{block.net}; net per customer {shown(block.net_per_customer)}, orders per customer "
        f"{shown(block.orders_per_customer)}, average order value "
        f"{shown(block.average_order_value)}"
        for block in found
    ]


def why_no_customer_value() -> str:
    """The report counts customers (accounts): a range of guests' orders has none."""
    found = panels.why_empty()
    if found != panels.EMPTY["range"]:
        return found
    return (
        "No customer with an account placed a counted order in this range (guests are not "
        "counted). Choose another range."
    )
