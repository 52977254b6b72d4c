"""The tables of the breakdown and shoppers' path report pages, one function per report, from
what its selector found (the same objects the admin API writes out): one row per currency and
group, with the compared range's figures beside. Percentages are those of the API
(report_schemas.percent, events_schemas.funnel_figures_out), as Decimals so they sort."""

from decimal import Decimal
from typing import Any

from mercato.analytics.admin.tables import Column, Table, change
from mercato.analytics.events_schemas import funnel_figures_out
from mercato.analytics.funnel import Funnel, SearchTerms
from mercato.analytics.report_schemas import percent, rate_out
from mercato.analytics.reports.cohorts import CurrencyCohorts
from mercato.analytics.reports.customers import CustomerSeries, Split
from mercato.analytics.reports.orders import CurrencyBreakdown
from mercato.analytics.reports.products import CurrencyProducts
from mercato.analytics.reports.taxes import CurrencyTaxes, OssReturn

STEP_LABELS = {
    "sessions": "Sessions",
    "product_views": "Viewed a product",
    "add_to_cart": "Added to cart",
    "checkout": "Started checkout",
    "order": "Ordered",
}


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """`percent` of the API as a number (None unless `whole` is positive)."""
    found = percent(part, whole)
    return None if found is None else Decimal(found)


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def rate(value: Decimal) -> Decimal:
    """A tax rate in percent as the API writes it: 0.0550 is 5.5, 0.1900 is 19."""
    return Decimal(rate_out(value))


def orders_table(found: list[CurrencyBreakdown], by_label: str) -> Table:
    table = Table(
        [
            Column("currency", "Currency"),
            Column("key", by_label),
            Column("orders", "Orders"),
            Column("net", "Net sales"),
            Column("share", "Share (%)"),
            Column("previous_orders", "Compared orders"),
            Column("previous_net", "Compared net sales"),
            Column("change", "Change (%)"),
        ]
    )
    for block in found:
        for group in block.rows:
            before = group.previous
            table.rows.append(
                {
                    "currency": block.currency,
                    "key": group.key,
                    "orders": group.current.orders,
                    "net": group.current.net,
                    "share": share(group.current.net, block.totals.net),
                    "previous_orders": before.orders if before else None,
                    "previous_net": before.net if before else None,
                    "change": change(group.current.net, before.net if before else None),
                }
            )
    return table


def products_table(found: list[CurrencyProducts]) -> Table:
    table = Table(
        [
            Column("currency", "Currency"),
            Column("id", "ID"),
            Column("name", "Name"),
            Column("sku", "SKU"),
            Column("units", "Units"),
            Column("gross", "Gross sales"),
            Column("discounts", "Discounts"),
            Column("net", "Net sales"),
            Column("returned", "Returned units"),
            Column("return_rate", "Return rate (%)"),
            Column("previous_units", "Compared units"),
            Column("previous_net", "Compared net sales"),
            Column("change", "Change (%)"),
        ]
    )
    for block in found:
        for item in block.items:
            now, before = item.current, item.previous
            table.rows.append(
                {
                    "currency": block.currency,
                    "id": item.id,
                    "name": item.name,
                    "sku": item.sku,
                    "units": now.units,
                    "gross": now.gross,
                    "discounts": now.discounts,
                    "net": now.net,
                    "returned": now.returned,
                    "return_rate": share(now.returned, now.units),
                    "previous_units": before.units if before else None,
                    "previous_net": before.net if before else None,
                    "change": change(now.net, before.net if before else None),
                }
            )
    return table


def taxes_table(found: list[CurrencyTaxes]) -> Table:
    table = Table(
        [
            Column("currency", "Currency"),
            Column("country", "Country"),
            Column("rate", "Rate (%)"),
            Column("taxable", "Taxable amount"),
            Column("tax", "Tax"),
            Column("previous_taxable", "Compared taxable amount"),
            Column("previous_tax", "Compared tax"),
        ]
    )
    for block in found:
        for row in block.rows:
            before = row.previous
            table.rows.append(
                {
                    "currency": block.currency,
                    "country": row.country,
                    "rate": rate(row.rate),
                    "taxable": row.current.taxable,
                    "tax": row.current.tax,
                    "previous_taxable": before.taxable if before else None,
                    "previous_tax": before.tax if before else None,
                }
            )
    return table


ONE_STOP_SHOP, REVERSE_CHARGE = "One-stop shop", "Reverse charge"


def oss_table(found: OssReturn) -> Table:
    """The return's two parts in one table: the sales to consumers per member state and
    rate (taxable amount and VAT), then the reverse-charge sales per buyer VAT number
    (orders and amount, no VAT)."""
    table = Table(
        [
            Column("currency", "Currency"),
            Column("part", "Part"),
            Column("country", "Country"),
            Column("rate", "Rate (%)"),
            Column("vat_number", "Buyer VAT number"),
            Column("orders", "Orders"),
            Column("taxable", "Taxable amount"),
            Column("vat", "VAT"),
        ]
    )
    for block in found.currencies:
        for row in block.member_states:
            table.rows.append(
                {
                    "currency": block.currency,
                    "part": ONE_STOP_SHOP,
                    "country": row.country,
                    "rate": rate(row.rate),
                    "vat_number": None,
                    "orders": None,
                    "taxable": row.current.taxable,
                    "vat": row.current.tax,
                }
            )
        for sale in block.reverse_charge:
            table.rows.append(
                {
                    "currency": block.currency,
                    "part": REVERSE_CHARGE,
                    "country": sale.country,
                    "rate": None,
                    "vat_number": sale.vat_number,
                    "orders": sale.amounts.orders,
                    "taxable": sale.amounts.taxable + sale.amounts.tax,
                    "vat": None,
                }
            )
    return table


def _split_cells(split: Split | None, prefix: str = "") -> dict[str, Any]:
    if split is None:
        return {f"{prefix}new": None, f"{prefix}returning": None}
    return {
        f"{prefix}new": split.new.customers,
        f"{prefix}returning": split.returning.customers,
    }


def customers_table(found: list[CustomerSeries]) -> Table:
    table = Table(
        [
            Column("currency", "Currency"),
            Column("start", "From"),
            Column("end", "To"),
            Column("new", "New customers"),
            Column("new_orders", "Their orders"),
            Column("new_sales", "Their sales"),
            Column("returning", "Returning customers"),
            Column("returning_orders", "Their orders"),
            Column("returning_sales", "Their sales"),
            Column("guest_orders", "Guest orders"),
            Column("guest_sales", "Guest sales"),
            Column("returning_share", "Returning (%)"),
            Column("previous_new", "Compared new"),
            Column("previous_returning", "Compared returning"),
        ]
    )
    for series in found:
        for point in series.rows:
            now = point.current
            returning, new = now.returning.customers, now.new.customers
            table.rows.append(
                {
                    "currency": series.currency,
                    "start": point.start,
                    "end": point.end,
                    "new": new,
                    "new_orders": now.new.orders,
                    "new_sales": now.new.sales,
                    "returning": returning,
                    "returning_orders": now.returning.orders,
                    "returning_sales": now.returning.sales,
                    "guest_orders": now.guests.orders,
                    "guest_sales": now.guests.sales,
                    "returning_share": share(returning, returning + new),
                    **_split_cells(point.previous, "previous_"),
                }
            )
    return table


def cohorts_table(found: list[CurrencyCohorts]) -> Table:
    """The retention matrix: a row per currency and cohort (the month of the first order),
    its customers, and for each month from its own on the share of them who ordered then."""
    months = max((len(c.active) for block in found for c in block.cohorts), default=0)
    table = Table(
        [
            Column("currency", "Currency"),
            Column("month", "Cohort"),
            Column("customers", "Customers"),
            *(Column(f"m{k}", f"Month {k} (%)") for k in range(months)),
        ]
    )
    for block in found:
        for cohort in block.cohorts:
            row: dict[str, Any] = {
                "currency": block.currency,
                "month": cohort.month.strftime("%Y-%m"),
                "customers": cohort.customers,
            }
            row.update({f"m{k}": None for k in range(months)})
            row.update(
                {f"m{k}": share(count, cohort.customers) for k, count in enumerate(cohort.active)}
            )
            table.rows.append(row)
    return table


def funnel_table(current: Funnel, previous: Funnel | None) -> Table:
    table = Table(
        [
            Column("step", "Step"),
            Column("sessions", "Sessions"),
            Column("conversion", "Of the step before (%)"),
            Column("overall", "Of all sessions (%)"),
            Column("previous_sessions", "Compared sessions"),
            Column("previous_conversion", "Compared, of the step before (%)"),
            Column("change", "Change (%)"),
        ]
    )
    before = funnel_figures_out(previous).steps if previous else None
    for index, step in enumerate(funnel_figures_out(current).steps):
        then = before[index] if before else None
        table.rows.append(
            {
                "step": STEP_LABELS[step.step],
                "sessions": step.sessions,
                "conversion": _number(step.conversion),
                "overall": _number(step.overall),
                "previous_sessions": then.sessions if then else None,
                "previous_conversion": _number(then.conversion) if then else None,
                "change": change(step.sessions, then.sessions if then else None),
            }
        )
    return table


MOST_SEARCHED, NO_RESULT = "Most searched", "Most searched without a result"


def search_table(found: SearchTerms) -> Table:
    """Both lists of the report in one table (`List`), each in its own order."""
    table = Table(
        [
            Column("list", "List"),
            Column("rank", "Rank"),
            Column("term", "Term"),
            Column("searches", "Searches"),
            Column("no_result", "Without a result"),
        ]
    )
    for name, terms in ((MOST_SEARCHED, found.top_terms), (NO_RESULT, found.no_result_terms)):
        for rank, term in enumerate(terms, start=1):
            table.rows.append(
                {
                    "list": name,
                    "rank": rank,
                    "term": term.term,
                    "searches": term.searches,
                    "no_result": term.no_result,
                }
            )
    return table
