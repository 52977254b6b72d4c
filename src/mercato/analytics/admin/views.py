"""The report pages: a form (range, interval, comparison, currency), a chart, a table sorted by
any column, and the same table as CSV (`?format=csv`). Staff with the reports' permission
only; anyone else gets 403. The figures come from the report selectors, as in the admin API."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from mercato.analytics import dashboard, panels
from mercato.analytics.admin.forms import ReportForm, RevenueForm
from mercato.analytics.admin.tables import FIGURES, Table, overview_table, revenue_table
from mercato.analytics.dashboard import VIEW_REPORTS, chart_data
from mercato.analytics.errors import InvalidInput
from mercato.analytics.selectors import (
    CurrencyOverview,
    Figures,
    Period,
    RevenueSeries,
    check_currency,
    get_overview,
    get_period,
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
    charts: list[tuple[str, str, str]]  # (currency, chart type, Chart.js data)
    has_sales: bool


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


REPORTS = [
    Report("overview", "Overview", ReportForm, _overview),
    Report("revenue", "Revenue", RevenueForm, _revenue),
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
    data = form.cleaned_data
    try:
        period = get_period(start=data["start"], end=data["end"], compare=data["compare"])
        check_currency(data["currency"])
    except InvalidInput as exc:
        errors = exc.extra.get("errors") or [{"field": None}]
        form.add_error(FORM_FIELDS.get(errors[0]["field"]), str(exc))
        return None
    return period, report.read(period, data)


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
            headers=_sort_links(request, table, sort),
            cells=table.cells(),
            csv_url=_csv_url(request),
            empty=None if figured.has_sales else panels.why_empty(),
        )
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/analytics/report.html", context)


def view_of(report: Report) -> Callable[[HttpRequest], HttpResponse]:
    """The page of `report` behind the admin's login (staff only)."""

    def page(request: HttpRequest) -> HttpResponse:
        return report_page(request, report)

    return admin.site.admin_view(page)
