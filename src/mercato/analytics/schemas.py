"""The report schemas: query parameters in, figures per currency out (money as
`{"amount", "currency"}`; see docs/analytics.md for what each figure means)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ninja import Field, Schema
from pydantic import ConfigDict

from mercato.analytics.periods import Compare, Interval
from mercato.analytics.selectors import (
    CurrencyOverview,
    Figures,
    Period,
    RevenuePoint,
    RevenueSeries,
)
from mercato.core.money import Money, quantize


class AnalyticsRangeParams(Schema):
    from_: date = Field(alias="from", description="The first shop day of the range.")
    to: date = Field(description="The last shop day of the range (included).")
    compare: Compare = Field(
        "previous_period",
        description="The range to compare with: the one just before, of the same length; "
        "the same days a year before; or none.",
    )


class AnalyticsReportParams(AnalyticsRangeParams):
    currency: str | None = Field(
        None, pattern="^[A-Z]{3}$", description="Only this currency (default: each one)."
    )


class AnalyticsRevenueParams(AnalyticsReportParams):
    interval: Interval = Field("day", description="How the range is split (weeks: Monday on).")


class AnalyticsFigures(Schema):
    orders: int
    units: int
    gross_sales: Money
    discounts: Money
    refunds: Money
    net_sales: Money
    shipping: Money
    tax: Money
    total_sales: Money
    average_order_value: Money | None = Field(description="Net sales per order.")


class AnalyticsChange(Schema):
    """Change against the compared range, in percent (one decimal); null when the compared
    figure is zero."""

    net_sales: str | None
    orders: str | None
    average_order_value: str | None
    units: str | None
    refunds: str | None


class AnalyticsCurrencyOverview(Schema):
    currency: str
    current: AnalyticsFigures
    previous: AnalyticsFigures | None
    change: AnalyticsChange | None


class DayRange(Schema):
    """Shop days `from` … `to`, both included."""

    model_config = ConfigDict(populate_by_name=True)  # read back from `from_` when nested
    from_: date = Field(alias="from")
    to: date


class AnalyticsPeriod(DayRange):
    """A report's range of shop days and the range it compares with (both ends included)."""

    compare: Compare
    previous_from: date | None
    previous_to: date | None


class AnalyticsOverview(Schema):
    period: AnalyticsPeriod
    currencies: list[AnalyticsCurrencyOverview]


class AnalyticsRevenuePoint(DayRange):
    figures: AnalyticsFigures
    previous: AnalyticsFigures | None


class AnalyticsRevenueSeries(Schema):
    currency: str
    totals: AnalyticsFigures
    previous_totals: AnalyticsFigures | None
    points: list[AnalyticsRevenuePoint]


class AnalyticsRevenue(Schema):
    period: AnalyticsPeriod
    interval: Interval
    series: list[AnalyticsRevenueSeries]


# The series' schemas are made with `model_construct` (no validation): a two-year revenue
# series by day is some 15,000 objects, and validating each one as it is made (ninja's
# Schema runs a validator per object) took a second. What goes in is the selectors' own
# typed figures; the schemas still describe the answer in the OpenAPI document, and the
# tests compare the answer to it.


def money_of(amount: Decimal, currency: str) -> Money:
    """An amount to the cent in its currency, as every report states money."""
    return Money.model_construct(amount=str(quantize(amount)), currency=currency)


def figures_out(figures: Figures, currency: str) -> AnalyticsFigures:
    aov = figures.average_order_value
    return AnalyticsFigures.model_construct(
        orders=figures.orders,
        units=figures.units,
        gross_sales=money_of(figures.gross, currency),
        discounts=money_of(figures.discounts, currency),
        refunds=money_of(figures.refunds, currency),
        net_sales=money_of(figures.net, currency),
        shipping=money_of(figures.shipping, currency),
        tax=money_of(figures.tax, currency),
        total_sales=money_of(figures.total, currency),
        average_order_value=None if aov is None else money_of(aov, currency),
    )


def maybe_figures(figures: Figures | None, currency: str) -> AnalyticsFigures | None:
    return None if figures is None else figures_out(figures, currency)


def percent_change(now: Decimal | int | None, before: Decimal | int | None) -> str | None:
    """The change from `before` to `now` in percent (one decimal, half-up); None when there
    is nothing to compare with."""
    if not before or now is None:
        return None
    percent = (Decimal(now) - Decimal(before)) * 100 / Decimal(before)
    return str(percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def change_out(now: Figures, before: Figures | None) -> AnalyticsChange | None:
    if before is None:
        return None
    return AnalyticsChange(
        net_sales=percent_change(now.net, before.net),
        orders=percent_change(now.orders, before.orders),
        average_order_value=percent_change(now.average_order_value, before.average_order_value),
        units=percent_change(now.units, before.units),
        refunds=percent_change(now.refunds, before.refunds),
    )


def period_out(period: Period) -> AnalyticsPeriod:
    previous_from, previous_to = period.previous or (None, None)
    return AnalyticsPeriod(
        **{"from": period.start},
        to=period.end,
        compare=period.compare,
        previous_from=previous_from,
        previous_to=previous_to,
    )


def overview_out(period: Period, found: list[CurrencyOverview]) -> AnalyticsOverview:
    return AnalyticsOverview(
        period=period_out(period),
        currencies=[
            AnalyticsCurrencyOverview(
                currency=item.currency,
                current=figures_out(item.current, item.currency),
                previous=maybe_figures(item.previous, item.currency),
                change=change_out(item.current, item.previous),
            )
            for item in found
        ],
    )


def _point_out(point: RevenuePoint, currency: str) -> AnalyticsRevenuePoint:
    return AnalyticsRevenuePoint.model_construct(
        from_=point.start,
        to=point.end,
        figures=figures_out(point.figures, currency),
        previous=maybe_figures(point.previous, currency),
    )


def _series_out(series: RevenueSeries) -> AnalyticsRevenueSeries:
    return AnalyticsRevenueSeries.model_construct(
        currency=series.currency,
        totals=figures_out(series.totals, series.currency),
        previous_totals=maybe_figures(series.previous_totals, series.currency),
        points=[_point_out(p, series.currency) for p in series.points],
    )


def revenue_out(period: Period, interval: Interval, found: list[RevenueSeries]) -> AnalyticsRevenue:
    return AnalyticsRevenue.model_construct(
        period=period_out(period), interval=interval, series=[_series_out(s) for s in found]
    )
