"""The report pages: a form (range, interval, comparison, currency), a chart, a table sorted by
any column, and the same table as CSV (`?format=csv`). Staff with the reports' permission
only; anyone else gets 403. The figures come from the report selectors, as in the admin API."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from mercato.analytics import dashboard, panels
from mercato.analytics.admin import catvouch_pages as catvouch
from mercato.analytics.admin import custcart_pages as custcart
from mercato.analytics.admin import report_pages as pages
from mercato.analytics.admin import stockpay_pages as stockpay
from mercato.analytics.admin.forms import ReportForm, RevenueForm
from mercato.analytics.admin.report_forms import (
    CohortsForm,
    CustomersForm,
    OrdersForm,
    OssForm,
    ProductsForm,
    SearchForm,
    SessionsForm,
)
from mercato.analytics.admin.report_tables import (
    cohorts_table,
    customers_table,
    oss_table,
    products_table,
    search_table,
    taxes_table,
)
from mercato.analytics.admin.tables import FIGURES, Table, overview_table, revenue_table
from mercato.analytics.dashboard import VIEW_REPORTS, chart_data
from mercato.analytics.errors import InvalidInput
from mercato.analytics.selectors import (
    CurrencyOverview,
    Figures,
    Period,
    RevenueSeries,
    get_overview,
    get_revenue,
)

# The money figures an overview's bar chart shows.
CHARTED = ("gross", "discounts", "refunds", "net", "shipping", "tax", "total")
FORM_FIELDS = {"from": "start", "to": "end", "currency": "currency"}


@dataclass(frozen=True)
class Figured:
    """What a report found: its table, one chart per currency, and whether any figure is
    there at all."""

    table: Table
    charts: list[tuple[str, str, Any]]  # (currency, chart type, its data: report_pages.Chart)
    has_sales: bool
    notes: list[str] = field(default_factory=list)  # totals, said above the table


def _any_sales(figures: list[Figures | None]) -> bool:
    return any(f is not None and (f.orders or f.refunds) for f in figures)


def _bars(item: CurrencyOverview) -> str:
    """Chart.js data of an overview: the money figures of the range, and of the compared
    range when there is one."""
    reads = [(label, read) for key, label, read in FIGURES if key in CHARTED]
    ranges = [("This range", item.current, "var(--color-primary-600)")]
    if item.previous is not None:
        ranges.append(("Compared range", item.previous, "var(--color-base-300)"))
    # side by side and wide (unfold's defaults overlap thin bars)
    shape = {"grouped": True, "barPercentage": 0.8, "maxBarThickness": 36, "displayYAxis": True}
    datasets = [
        {"label": name, "data": [float(read(f)) for _, read in reads], "backgroundColor": colour}
        | shape
        for name, f, colour in ranges
    ]
    return json.dumps({"labels": [label for label, _ in reads], "datasets": datasets})


def _overview(period: Period, data: dict[str, Any]) -> Figured:
    found: list[CurrencyOverview] = get_overview(period=period, currency=data["currency"])
    charts = [(item.currency, "bar", _bars(item)) for item in found]
    sales = _any_sales([f for item in found for f in (item.current, item.previous)])
    return Figured(overview_table(found), charts, sales)


def _revenue(period: Period, data: dict[str, Any]) -> Figured:
    found: list[RevenueSeries] = get_revenue(
        period=period, interval=data["interval"], currency=data["currency"]
    )
    charts = [
        (series.currency, "line", chart_data(series, previous_label="Compared range"))
        for series in found
    ]
    sales = _any_sales([f for s in found for f in (s.totals, s.previous_totals)])
    return Figured(revenue_table(found), charts, sales)


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    form: type[ReportForm]
    read: Callable[[Period, dict[str, Any]], Figured]
    empty: Callable[[], str] = panels.why_empty  # why a report without figures has none


Found = TypeVar("Found")


def reading(
    select: Callable[[Period, dict[str, Any]], Found],
    table: Callable[[Found], Table],
    charts: Callable[[Found], list[tuple[str, str, Any]]] | None = None,
    notes: Callable[[Found], list[str]] | None = None,
) -> Callable[[Period, dict[str, Any]], Figured]:
    """A report's `read` from its selector call (the period and the form's cleaned data),
    its table function, and optionally its charts and its totals. The report has figures
    when a cell of its table holds a number other than zero."""

    def read(period: Period, data: dict[str, Any]) -> Figured:
        found = select(period, data)
        made = table(found)
        return Figured(
            made,
            charts(found) if charts else [],
            made.has_figures(),
            notes(found) if notes else [],
        )

    return read


REPORTS = [
    Report("overview", "Overview", ReportForm, _overview),
    Report("revenue", "Revenue", RevenueForm, _revenue),
]
# The breakdown and shoppers' path reports (admin/report_pages.py): a page for a new report
# is one entry here, with its form, selector call and table function.
REPORTS += [
    Report(
        "orders",
        "Orders",
        OrdersForm,
        reading(
            pages.select_orders, pages.orders_page_table, pages.orders_charts, pages.orders_notes
        ),
    ),
    Report(
        "products",
        "Products",
        ProductsForm,
        reading(pages.select_products, products_table, pages.products_charts),
    ),
    Report(
        "taxes",
        "Taxes",
        ReportForm,
        reading(pages.select_taxes, taxes_table, pages.taxes_charts, pages.taxes_notes),
    ),
    Report(
        "oss",
        "OSS return",
        OssForm,
        reading(pages.select_oss, oss_table, pages.oss_charts, pages.oss_notes),
    ),
    Report(
        "customers",
        "Customers",
        CustomersForm,
        reading(pages.select_customers, customers_table, pages.customers_charts),
    ),
    Report(
        "cohorts",
        "Cohorts",
        CohortsForm,
        reading(pages.select_cohorts, cohorts_table, pages.cohorts_charts),
        empty=pages.why_no_cohorts,
    ),
    Report(
        "funnel",
        "Funnel",
        SessionsForm,
        reading(pages.select_funnel, pages.funnel_page_table, pages.funnel_charts),
        empty=pages.why_no_sessions,
    ),
    Report(
        "search",
        "Search terms",
        SearchForm,
        reading(pages.select_search, search_table, pages.search_charts, pages.search_notes),
        empty=pages.why_no_sessions,
    ),
]

# The carts and customer value reports (admin/custcart_pages.py).
REPORTS += [
    Report(
        "carts",
        "Carts",
        custcart.CartsForm,
        reading(
            custcart.select_carts, custcart.carts_table, custcart.carts_charts, custcart.carts_notes
        ),
        empty=custcart.why_no_carts,
    ),
    Report(
        "customer-value",
        "Customer value",
        custcart.CustomerValueForm,
        reading(
            custcart.select_customer_value,
            custcart.customer_value_table,
            custcart.customer_value_charts,
            custcart.customer_value_notes,
        ),
        empty=custcart.why_no_customer_value,
    ),
]

# The categories and discounts, stock and payments reports (admin/catvouch_pages.py,
# admin/stockpay_pages.py).
REPORTS += [
    Report(
        "categories",
        "Categories",
        catvouch.CategoriesForm,
        reading(
            catvouch.select_categories,
            catvouch.categories_table,
            catvouch.categories_charts,
            catvouch.categories_notes,
        ),
    ),
    Report(
        "discounts",
        "Discounts",
        ReportForm,
        reading(
            catvouch.select_discounts,
            catvouch.discounts_table,
            catvouch.discounts_charts,
            catvouch.discounts_notes,
        ),
    ),
    Report(
        "stock",
        "Stock",
        stockpay.StockForm,
        reading(
            stockpay.select_stock,
            stockpay.stock_table,
            stockpay.stock_charts,
            stockpay.stock_notes,
        ),
        empty=stockpay.why_no_stock,
    ),
    Report(
        "payments",
        "Payments",
        ReportForm,
        reading(
            stockpay.select_payments,
            stockpay.payments_table,
            stockpay.payments_charts,
            stockpay.payments_notes,
        ),
    ),
]


def _sort_links(request: HttpRequest, table: Table, sort: str) -> list[dict[str, str]]:
    """Each column's header link: sorted by it, descending when it already is ascending."""
    links = []
    for column in table.columns:
        query = request.GET.copy()
        query.pop("format", None)
        query["sort"] = f"-{column.key}" if sort == column.key else column.key
        state = "asc" if sort == column.key else "desc" if sort == f"-{column.key}" else ""
        links.append({"label": column.label, "url": f"?{query.urlencode()}", "state": state})
    return links


def _csv_url(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    return f"?{query.urlencode()}"


def _find(form: ReportForm, report: Report) -> tuple[Period, Figured] | None:
    """The report's figures, or None with the refusal on the form."""
    if not form.is_valid():
        return None
    try:
        period = form.period()
    except InvalidInput as exc:
        errors = exc.extra.get("errors") or [{"field": None}]
        form.add_error(FORM_FIELDS.get(errors[0]["field"]), str(exc))
        return None
    return period, report.read(period, form.cleaned_data)


def _refused_csv(form: ReportForm) -> HttpResponse:
    """A download whose parameters are refused: 400, one `field: reason` line per refusal
    (named as in the query string), no HTML page in a .csv file."""
    lines = [
        f"{'query' if field == '__all__' else field}: {message}"
        for field, messages in form.errors.items()
        for message in messages
    ]
    return HttpResponse(
        "\n".join(["The report was not made:", *lines]) + "\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def report_page(request: HttpRequest, report: Report) -> HttpResponse:
    if not request.user.has_perm(VIEW_REPORTS):
        raise PermissionDenied
    form = report.form(request.GET, today=dashboard.today())
    found = _find(form, report)
    sort = request.GET.get("sort", "")
    if found is None and request.GET.get("format") == "csv":
        return _refused_csv(form)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": f"{report.title} report",
        "report": report,
        "reports": [(r.title, reverse(f"analytics-report-{r.slug}")) for r in REPORTS],
        "form": form,
    }
    if found is not None:
        period, figured = found
        table = figured.table.sorted_by(sort)
        if request.GET.get("format") == "csv":
            name = f"{report.slug}-{period.start}-{period.end}.csv"
            return HttpResponse(
                table.csv(),
                content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        context.update(
            period=period,
            charts=figured.charts,
            notes=figured.notes,
            headers=_sort_links(request, table, sort),
            cells=table.cells(),
            csv_url=_csv_url(request),
            empty=None if figured.has_sales else report.empty(),
        )
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/analytics/report.html", context)


def view_of(report: Report) -> Callable[[HttpRequest], HttpResponse]:
    """The page of `report` behind the admin's login (staff only)."""

    def page(request: HttpRequest) -> HttpResponse:
        return report_page(request, report)

    return admin.site.admin_view(page)
