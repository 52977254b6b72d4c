"""What the breakdown and shoppers' path report pages read and draw: each `select_…` calls the
report's selector with the form's cleaned data, as the admin API's handler does with its
parameters (analytics/api/breakdowns.py, api/traffic.py: no second computation); each
`…_charts` makes the report's Chart.js data, one chart per currency (unfold's chart
components read it from `data-value`)."""

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from mercato.analytics import funnel, panels
from mercato.analytics.admin.report_forms import BREAKDOWNS
from mercato.analytics.admin.report_tables import (
    STEP_LABELS,
    funnel_table,
    orders_table,
    rate,
    share,
)
from mercato.analytics.admin.tables import Table
from mercato.analytics.reports.cohorts import CurrencyCohorts, get_cohorts
from mercato.analytics.reports.customers import CustomerSeries, get_customers
from mercato.analytics.reports.orders import CurrencyBreakdown, get_orders_breakdown
from mercato.analytics.reports.products import CurrencyProducts, get_products
from mercato.analytics.reports.taxes import CurrencyTaxes, OssReturn, get_oss_return, get_tax_rows
from mercato.analytics.selectors import Period

Chart = tuple[str, str, Any]  # (title, Chart.js type and its JSON data, or "cohort" and a dict)
CURRENT, PREVIOUS = "var(--color-primary-600)", "var(--color-base-300)"
# side by side and wide (unfold's defaults overlap thin bars)
BAR_SHAPE = {"grouped": True, "barPercentage": 0.8, "maxBarThickness": 36}


def bars(labels: Sequence[str], sets: Sequence[tuple[str, Sequence[Any], str]]) -> str:
    """Chart.js data of a bar chart: one dataset per (label, values, colour)."""
    datasets = [
        {"label": name, "data": [float(v or 0) for v in values], "backgroundColor": colour}
        | BAR_SHAPE
        | ({"displayYAxis": True} if index == 0 else {})
        for index, (name, values, colour) in enumerate(sets)
    ]
    return json.dumps({"labels": list(labels), "datasets": datasets})


def _with_compared(
    label: str, now: Sequence[Any], before: Sequence[Any] | None
) -> list[tuple[str, Sequence[Any], str]]:
    sets: list[tuple[str, Sequence[Any], str]] = [(label, now, CURRENT)]
    if before is not None:
        sets.append(("Compared range", before, PREVIOUS))
    return sets


# The orders report


def select_orders(period: Period, data: dict[str, Any]) -> tuple[list[CurrencyBreakdown], str]:
    found = get_orders_breakdown(period=period, by=data["by"], currency=data["currency"])
    return found, data["by"]


def orders_page_table(found: tuple[list[CurrencyBreakdown], str]) -> Table:
    blocks, by = found
    return orders_table(blocks, BREAKDOWNS[by])


def orders_charts(found: tuple[list[CurrencyBreakdown], str]) -> list[Chart]:
    """Net sales per group, and the compared range's."""
    charts = []
    for block in found[0]:
        labels = [group.key or "(none)" for group in block.rows]
        now = [group.current.net for group in block.rows]
        before = None
        if block.previous_totals is not None:
            before = [group.previous.net if group.previous else 0 for group in block.rows]
        label = f"Net sales ({block.currency})"
        charts.append((block.currency, "bar", bars(labels, _with_compared(label, now, before))))
    return charts


def orders_notes(found: tuple[list[CurrencyBreakdown], str]) -> list[str]:
    """Each currency's totals, and the compared range's."""
    notes = []
    for block in found[0]:
        line = f"{block.currency}: orders {block.totals.orders}, net sales {block.totals.net}"
        if block.previous_totals is not None:
            before = block.previous_totals
            line += f" (compared range: orders {before.orders}, net sales {before.net})"
        notes.append(line)
    return notes


# The products report


def select_products(period: Period, data: dict[str, Any]) -> list[CurrencyProducts]:
    return get_products(
        period=period,
        by=data["by"],
        order_by=data["order_by"],
        limit=data["limit"],
        currency=data["currency"],
    )


DELETED = "(deleted from the catalog)"


def products_charts(found: list[CurrencyProducts]) -> list[Chart]:
    """Net sales per product or variant shown, and the compared range's."""
    charts = []
    for block in found:
        if not block.items:
            continue
        labels = [item.name or item.sku or DELETED for item in block.items]
        now = [item.current.net for item in block.items]
        compared = any(item.previous is not None for item in block.items)
        before = [item.previous.net if item.previous else 0 for item in block.items]
        label = f"Net sales ({block.currency})"
        sets = _with_compared(label, now, before if compared else None)
        charts.append((block.currency, "bar", bars(labels, sets)))
    return charts


# The tax reports


def select_taxes(period: Period, data: dict[str, Any]) -> list[CurrencyTaxes]:
    return get_tax_rows(period=period, currency=data["currency"])


def _rate_label(country: str, value: Decimal) -> str:
    return f"{country or '(no address)'} {rate(value)} %"


def taxes_charts(found: list[CurrencyTaxes]) -> list[Chart]:
    """Tax per shipping country and rate, and the compared range's."""
    charts = []
    for block in found:
        if not block.rows:
            continue
        labels = [_rate_label(row.country, row.rate) for row in block.rows]
        now = [row.current.tax for row in block.rows]
        compared = any(row.previous is not None for row in block.rows)
        before = [row.previous.tax if row.previous else 0 for row in block.rows]
        sets = _with_compared(f"Tax ({block.currency})", now, before if compared else None)
        charts.append((block.currency, "bar", bars(labels, sets)))
    return charts


def _taxes_line(code: str, taxable: Decimal, tax: Decimal) -> str:
    return f"{code}: taxable amount {taxable}, tax {tax}"


def taxes_notes(found: list[CurrencyTaxes]) -> list[str]:
    return [
        _taxes_line(
            block.currency,
            sum((row.current.taxable for row in block.rows), Decimal("0.00")),
            sum((row.current.tax for row in block.rows), Decimal("0.00")),
        )
        for block in found
    ]


def select_oss(period: Period, data: dict[str, Any]) -> OssReturn:
    return get_oss_return(quarter=data["quarter"], currency=data["currency"])


def oss_charts(found: OssReturn) -> list[Chart]:
    """VAT per member state and rate."""
    charts = []
    for block in found.currencies:
        if not block.member_states:
            continue
        labels = [_rate_label(row.country, row.rate) for row in block.member_states]
        vat = [row.current.tax for row in block.member_states]
        sets = [(f"VAT ({block.currency})", vat, CURRENT)]
        charts.append((block.currency, "bar", bars(labels, sets)))
    return charts


def oss_notes(found: OssReturn) -> list[str]:
    notes = [f"{found.quarter}; origin country {found.origin} (its sales are not in the return)"]
    for block in found.currencies:
        taxable = sum((row.current.taxable for row in block.member_states), Decimal("0.00"))
        vat = sum((row.current.tax for row in block.member_states), Decimal("0.00"))
        notes.append(f"{block.currency}: taxable amount {taxable}, VAT {vat}")
    return notes


# The customers reports


def select_customers(period: Period, data: dict[str, Any]) -> list[CustomerSeries]:
    return get_customers(period=period, interval=data["interval"], currency=data["currency"])


def customers_charts(found: list[CustomerSeries]) -> list[Chart]:
    """New and returning customers per interval (bars side by side)."""
    charts = []
    for series in found:
        labels = [point.start.isoformat() for point in series.rows]
        sets = [
            ("New customers", [p.current.new.customers for p in series.rows], CURRENT),
            (
                "Returning customers",
                [p.current.returning.customers for p in series.rows],
                "var(--color-primary-300)",
            ),
        ]
        charts.append((series.currency, "bar", bars(labels, sets)))
    return charts


def select_cohorts(period: Period, data: dict[str, Any]) -> list[CurrencyCohorts]:
    return get_cohorts(start=period.start, end=period.end, currency=data["currency"])


# a cohort's share in percent, at most: the cell's colour (unfold's own classes)
SHADES = [
    (Decimal(0), ""),
    (Decimal(20), "bg-primary-100 dark:bg-primary-900"),
    (Decimal(40), "bg-primary-200 dark:bg-primary-800"),
    (Decimal(60), "bg-primary-300 dark:bg-primary-700"),
    (Decimal(80), "bg-primary-400 text-white dark:bg-primary-600"),
    (Decimal(100), "bg-primary-600 text-white dark:bg-primary-500"),
]


def _customers(count: int) -> str:
    return f"{count} customer{'' if count == 1 else 's'}"


def _shade(value: Decimal) -> str:
    return next(colour for limit, colour in SHADES if value <= limit)


def cohorts_charts(found: list[CurrencyCohorts]) -> list[Chart]:
    """The retention matrix as unfold's cohort component draws it: a row per cohort, a
    cell per month from its own, shaded by the share of its customers who ordered then."""
    charts = []
    for block in found:
        months = max((len(c.active) for c in block.cohorts), default=0)
        rows = []
        for cohort in block.cohorts:
            cols = []
            for count in cohort.active:
                value = share(count, cohort.customers)
                cols.append(
                    {
                        "value": "—" if value is None else f"{value} %",
                        "subtitle": _customers(count),
                        "color": "" if value is None else _shade(value),
                    }
                )
            title = cohort.month.strftime("%Y-%m")
            header = {"title": title, "subtitle": _customers(cohort.customers)}
            rows.append({"header": header, "cols": cols})
        headers = [{"title": f"Month {k}", "subtitle": ""} for k in range(months)]
        charts.append((block.currency, "cohort", {"headers": headers, "rows": rows}))
    return charts


# The shoppers' path


def select_funnel(
    period: Period, data: dict[str, Any]
) -> tuple[funnel.Funnel, funnel.Funnel | None]:
    return funnel.get_funnel(period=period)


def funnel_page_table(found: tuple[funnel.Funnel, funnel.Funnel | None]) -> Table:
    return funnel_table(*found)


def funnel_charts(found: tuple[funnel.Funnel, funnel.Funnel | None]) -> list[Chart]:
    """Sessions at each step, and the compared range's."""
    current, previous = found
    sets = _with_compared("Sessions", current.counts, previous.counts if previous else None)
    return [("Sessions", "bar", bars(list(STEP_LABELS.values()), sets))]


def select_search(period: Period, data: dict[str, Any]) -> funnel.SearchTerms:
    return funnel.get_search_terms(period=period, limit=data["limit"])


def search_charts(found: funnel.SearchTerms) -> list[Chart]:
    """Searches of the most searched terms, and how many of them found nothing."""
    if not found.top_terms:
        return []
    terms = found.top_terms
    sets = [
        ("Searches", [t.searches for t in terms], CURRENT),
        ("Without a result", [t.no_result for t in terms], PREVIOUS),
    ]
    return [("Most searched terms", "bar", bars([t.term for t in terms], sets))]


def search_notes(found: funnel.SearchTerms) -> list[str]:
    line = f"{found.searches} searches, {found.no_result_searches} without a result"
    if found.previous_searches is not None:
        line += (
            f" (compared range: {found.previous_searches} searches, "
            f"{found.previous_no_result_searches} without a result)"
        )
    return [line]


EMPTY_SESSIONS = (
    "No storefront session in this range: the store sends its events (with the shopper's "
    "consent) to POST /api/store/analytics/events, and they are summed every five minutes. "
    "Choose another range, or check that the store sends them."
)


def why_no_sessions() -> str:
    return EMPTY_SESSIONS


def why_no_cohorts() -> str:
    """Cohorts hold customers (accounts) only: a shop of guests has orders but no cohort."""
    found = panels.why_empty()
    if found != panels.EMPTY["range"]:
        return found
    return (
        "No customer with an account placed a first order in these months (guests are in no "
        "cohort). Choose another range."
    )
