"""The carts and customer value reports' schemas (docs/analytics.md, "Carts" and "Customer
value"): their query parameters and their figures per currency."""

from datetime import date
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema

from mercato.analytics.periods import Interval
from mercato.analytics.report_schemas import AnalyticsRangeReport, percent
from mercato.analytics.reports.carts import CartFigures, CartSeries
from mercato.analytics.reports.value import CustomerValue, TopCustomer
from mercato.analytics.schemas import AnalyticsReportParams, DayRange, money_of, period_out
from mercato.analytics.selectors import Period
from mercato.core.money import Money, money

# The carts report


class AnalyticsCartFigures(Schema):
    created: int = Field(description="Carts made in these days (merged guest carts left out).")
    with_lines: int = Field(description="Of those, carts with at least one line.")
    converted: int = Field(description="Of those, carts turned into an order.")
    abandoned: int = Field(
        description="Carts with lines, not turned into an order, untouched for "
        "ANALYTICS_CART_ABANDONED_HOURS."
    )
    abandonment_rate: str | None = Field(
        description="Abandoned carts per cart with lines, in percent; null without one."
    )
    conversion_rate: str | None = Field(
        description="Converted carts per cart with lines, in percent; null without one."
    )
    abandoned_value: Money = Field(description="The abandoned carts' subtotal.")


class AnalyticsCartPoint(DayRange):
    figures: AnalyticsCartFigures
    previous: AnalyticsCartFigures | None


class AnalyticsCartSeries(Schema):
    currency: str
    totals: AnalyticsCartFigures
    previous_totals: AnalyticsCartFigures | None
    points: list[AnalyticsCartPoint]


class AnalyticsCarts(AnalyticsRangeReport):
    interval: Interval
    series: list[AnalyticsCartSeries]


def _cart_figures(figures: CartFigures, currency: str) -> AnalyticsCartFigures:
    return AnalyticsCartFigures(
        created=figures.created,
        with_lines=figures.with_lines,
        converted=figures.converted,
        abandoned=figures.abandoned,
        abandonment_rate=percent(figures.abandoned, figures.with_lines),
        conversion_rate=percent(figures.converted, figures.with_lines),
        abandoned_value=money_of(figures.abandoned_value, currency),
    )


def _maybe_cart_figures(figures: CartFigures | None, currency: str) -> AnalyticsCartFigures | None:
    return None if figures is None else _cart_figures(figures, currency)


def carts_out(period: Period, interval: Interval, found: list[CartSeries]) -> AnalyticsCarts:
    return AnalyticsCarts(
        period=period_out(period),
        interval=interval,
        series=[
            AnalyticsCartSeries(
                currency=series.currency,
                totals=_cart_figures(series.totals, series.currency),
                previous_totals=_maybe_cart_figures(series.previous_totals, series.currency),
                points=[
                    AnalyticsCartPoint(
                        **{"from": point.start},
                        to=point.end,
                        figures=_cart_figures(point.current, series.currency),
                        previous=_maybe_cart_figures(point.previous, series.currency),
                    )
                    for point in series.rows
                ],
            )
            for series in found
        ],
    )


# The customer value report

_REPORT_PARAMS = AnalyticsReportParams.model_fields


class AnalyticsCustomerValueParams(Schema):
    """The overview's range and currency (no comparison), and how many top customers."""

    from_: Annotated[date, _REPORT_PARAMS["from_"]]
    to: Annotated[date, _REPORT_PARAMS["to"]]
    currency: Annotated[str | None, _REPORT_PARAMS["currency"]]
    limit: int = Field(10, ge=1, le=100, description="How many top customers per currency.")


class AnalyticsLifetimeValue(Schema):
    customers: int = Field(description="Customers (accounts) with a counted order in the range.")
    orders: int
    net_sales: Money = Field(description="Gross less discounts less refunds made by `to`.")
    net_per_customer: Money | None = Field(description="The lifetime value: net per customer.")
    orders_per_customer: str | None = Field(description="Two decimals.")
    average_order_value: Money | None = Field(description="Net per order.")


class AnalyticsRfmSegment(Schema):
    segment: str
    customers: int
    share: str | None = Field(description="Of the currency's customers, in percent.")
    orders: int
    net_sales: Money


class AnalyticsTopCustomer(Schema):
    customer_id: UUID | None = Field(description="The account's public id (null: deleted).")
    email: str | None
    orders: int
    net_sales: Money
    first_order: date = Field(description="The shop day of the first order in the range.")
    last_order: date
    recency: int = Field(description="R score, 1 to 5.")
    frequency: int = Field(description="F score, 1 to 5.")
    monetary: int = Field(description="M score, 1 to 5.")
    segment: str


class AnalyticsCurrencyCustomerValue(Schema):
    currency: str
    lifetime_value: AnalyticsLifetimeValue
    segments: list[AnalyticsRfmSegment]
    top_customers: list[AnalyticsTopCustomer]


class AnalyticsCustomerValue(DayRange):
    currencies: list[AnalyticsCurrencyCustomerValue]


def _top_out(top: TopCustomer, currency: str) -> AnalyticsTopCustomer:
    recency, frequency, monetary = top.scores
    return AnalyticsTopCustomer(
        customer_id=None if top.public_id is None else UUID(top.public_id),
        email=top.email,
        orders=top.orders,
        net_sales=money_of(top.net, currency),
        first_order=top.first_day,
        last_order=top.last_day,
        recency=recency,
        frequency=frequency,
        monetary=monetary,
        segment=top.segment,
    )


def _value_out(block: CustomerValue) -> AnalyticsCurrencyCustomerValue:
    code = block.currency
    return AnalyticsCurrencyCustomerValue(
        currency=code,
        lifetime_value=AnalyticsLifetimeValue(
            customers=block.customers,
            orders=block.orders,
            net_sales=money_of(block.net, code),
            net_per_customer=money(block.net_per_customer, code),
            orders_per_customer=None
            if block.orders_per_customer is None
            else str(block.orders_per_customer),
            average_order_value=money(block.average_order_value, code),
        ),
        segments=[
            AnalyticsRfmSegment(
                segment=s.name,
                customers=s.customers,
                share=percent(s.customers, block.customers),
                orders=s.orders,
                net_sales=money_of(s.net, code),
            )
            for s in block.segments.values()
        ],
        top_customers=[_top_out(top, code) for top in block.top],
    )


def customer_value_out(period: Period, found: list[CustomerValue]) -> AnalyticsCustomerValue:
    return AnalyticsCustomerValue(
        **{"from": period.start}, to=period.end, currencies=[_value_out(b) for b in found]
    )
