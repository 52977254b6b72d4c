"""The breakdown reports' schemas (docs/analytics.md): their query parameters, built on the
overview's, and their figures per currency (money as `{"amount", "currency"}`)."""

from decimal import ROUND_HALF_UP, Decimal

from ninja import Field, Schema

from mercato.analytics.reports.orders import Breakdown, CurrencyBreakdown, Group, Sales
from mercato.analytics.reports.products import (
    CurrencyProducts,
    Item,
    LineSales,
    ProductOrder,
    ProductSales,
)
from mercato.analytics.schemas import AnalyticsPeriod, AnalyticsReportParams, period_out
from mercato.analytics.selectors import Period
from mercato.core.money import Money, quantize


def _money(amount: Decimal, currency: str) -> Money:
    return Money(amount=str(quantize(amount)), currency=currency)


def percent(part: Decimal | int, whole: Decimal | int) -> str | None:
    """`part` as a percent of `whole` (one decimal, half-up); null unless `whole` is
    positive."""
    if whole <= 0:
        return None
    share = Decimal(part) * 100 / Decimal(whole)
    return str(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# The orders report


class AnalyticsOrdersParams(AnalyticsReportParams):
    by: Breakdown = Field(
        description="Group the orders by their status, shipping country, shipping method or "
        "payment provider."
    )


class AnalyticsOrderSales(Schema):
    orders: int
    net_sales: Money


class AnalyticsOrderGroup(AnalyticsOrderSales):
    key: str = Field(description="The status, country code, method or provider (may be empty).")
    share: str | None = Field(
        description="Its part of the currency's net sales, in percent (one decimal); null "
        "when those are not positive."
    )
    previous: AnalyticsOrderSales | None


class AnalyticsOrderBreakdown(Schema):
    currency: str
    totals: AnalyticsOrderSales
    previous_totals: AnalyticsOrderSales | None
    groups: list[AnalyticsOrderGroup]


class AnalyticsOrders(Schema):
    period: AnalyticsPeriod
    by: Breakdown
    currencies: list[AnalyticsOrderBreakdown]


def _sales_out(sales: Sales, currency: str) -> AnalyticsOrderSales:
    return AnalyticsOrderSales(orders=sales.orders, net_sales=_money(sales.net, currency))


def _maybe_sales(sales: Sales | None, currency: str) -> AnalyticsOrderSales | None:
    return None if sales is None else _sales_out(sales, currency)


def _group_out(group: Group, totals: Sales, currency: str) -> AnalyticsOrderGroup:
    return AnalyticsOrderGroup(
        key=group.key,
        orders=group.current.orders,
        net_sales=_money(group.current.net, currency),
        share=percent(group.current.net, totals.net),
        previous=_maybe_sales(group.previous, currency),
    )


def orders_out(period: Period, by: Breakdown, found: list[CurrencyBreakdown]) -> AnalyticsOrders:
    return AnalyticsOrders(
        period=period_out(period),
        by=by,
        currencies=[
            AnalyticsOrderBreakdown(
                currency=item.currency,
                totals=_sales_out(item.totals, item.currency),
                previous_totals=_maybe_sales(item.previous_totals, item.currency),
                groups=[_group_out(g, item.totals, item.currency) for g in item.groups],
            )
            for item in found
        ],
    )


# The products report


class AnalyticsProductsParams(AnalyticsReportParams):
    by: Item = Field("product", description="One row per product, or per variant.")
    order_by: ProductOrder = Field("net_sales", description="The rows with the most of this first.")
    limit: int = Field(20, ge=1, le=100, description="How many rows per currency.")


class AnalyticsProductFigures(Schema):
    units: int
    net_sales: Money


class AnalyticsProduct(AnalyticsProductFigures):
    id: int | None = Field(description="The product or variant; null: variants deleted since.")
    name: str | None = Field(description="Its name in the catalog now.")
    sku: str | None = Field(description="The variant's SKU (variants only).")
    gross_sales: Money
    discounts: Money
    returned_units: int = Field(description="Units of these lines received back.")
    return_rate: str | None = Field(description="Returned units per unit sold, in percent.")
    previous: AnalyticsProductFigures | None


class AnalyticsCurrencyProducts(Schema):
    currency: str
    items: list[AnalyticsProduct]


class AnalyticsProducts(Schema):
    period: AnalyticsPeriod
    by: Item
    order_by: ProductOrder
    currencies: list[AnalyticsCurrencyProducts]


def _product_out(item: ProductSales, currency: str) -> AnalyticsProduct:
    now: LineSales = item.current
    before = item.previous
    return AnalyticsProduct(
        id=item.id,
        name=item.name,
        sku=item.sku,
        units=now.units,
        gross_sales=_money(now.gross, currency),
        discounts=_money(now.discounts, currency),
        net_sales=_money(now.net, currency),
        returned_units=now.returned,
        return_rate=percent(now.returned, now.units),
        previous=None
        if before is None
        else AnalyticsProductFigures(units=before.units, net_sales=_money(before.net, currency)),
    )


def products_out(
    period: Period, by: Item, order_by: ProductOrder, found: list[CurrencyProducts]
) -> AnalyticsProducts:
    return AnalyticsProducts(
        period=period_out(period),
        by=by,
        order_by=order_by,
        currencies=[
            AnalyticsCurrencyProducts(
                currency=block.currency,
                items=[_product_out(item, block.currency) for item in block.items],
            )
            for block in found
        ],
    )
