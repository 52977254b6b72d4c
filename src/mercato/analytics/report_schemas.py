"""The breakdown reports' schemas (docs/analytics.md): their query parameters, built on the
overview's, and their figures per currency (money as `{"amount", "currency"}`)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from ninja import Field, Schema

from mercato.analytics.periods import Interval
from mercato.analytics.reports.cohorts import Cohort, CurrencyCohorts
from mercato.analytics.reports.customers import Buyers, CustomerSeries, Split
from mercato.analytics.reports.orders import Breakdown, CurrencyBreakdown, Group, Sales
from mercato.analytics.reports.products import (
    CurrencyProducts,
    Item,
    LineSales,
    ProductOrder,
    ProductSales,
)
from mercato.analytics.reports.taxes import (
    CurrencyTaxes,
    OssCurrency,
    OssReturn,
    TaxAmounts,
)
from mercato.analytics.schemas import (
    AnalyticsPeriod,
    AnalyticsReportParams,
    DayRange,
    money_of,
    period_out,
)
from mercato.analytics.selectors import Period
from mercato.core.money import Money


def percent(part: Decimal | int, whole: Decimal | int) -> str | None:
    """`part` as a percent of `whole` (one decimal, half-up); null unless `whole` is
    positive."""
    if whole <= 0:
        return None
    share = Decimal(part) * 100 / Decimal(whole)
    return str(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


class AnalyticsRangeReport(Schema):
    """A report of a range of shop days (and of the range it compares with)."""

    period: AnalyticsPeriod


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


class AnalyticsOrders(AnalyticsRangeReport):
    by: Breakdown
    currencies: list[AnalyticsOrderBreakdown]


def _sales_out(sales: Sales, currency: str) -> AnalyticsOrderSales:
    return AnalyticsOrderSales(orders=sales.orders, net_sales=money_of(sales.net, currency))


def _maybe_sales(sales: Sales | None, currency: str) -> AnalyticsOrderSales | None:
    return None if sales is None else _sales_out(sales, currency)


def _group_out(group: Group, totals: Sales, currency: str) -> AnalyticsOrderGroup:
    return AnalyticsOrderGroup(
        key=group.key,
        orders=group.current.orders,
        net_sales=money_of(group.current.net, currency),
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
                groups=[_group_out(g, item.totals, item.currency) for g in item.rows],
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
    orders: int = Field(description="Counted orders with a line of it.")
    views: int | None = Field(
        description="Storefront views of the product in the range (null for a variant row: "
        "the events name products)."
    )
    add_to_carts: int | None = Field(description="Storefront adds to cart in the range.")
    add_to_cart_rate: str | None = Field(
        description="Adds to cart per view, in percent; null without views."
    )
    conversion: str | None = Field(
        description="Orders with a line of it per view, in percent; null without views."
    )
    previous: AnalyticsProductFigures | None


class AnalyticsCurrencyProducts(Schema):
    currency: str
    items: list[AnalyticsProduct]


class AnalyticsProducts(AnalyticsRangeReport):
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
        gross_sales=money_of(now.gross, currency),
        discounts=money_of(now.discounts, currency),
        net_sales=money_of(now.net, currency),
        returned_units=now.returned,
        return_rate=percent(now.returned, now.units),
        orders=now.orders,
        views=item.views,
        add_to_carts=item.add_to_carts,
        add_to_cart_rate=None
        if item.views is None
        else percent(item.add_to_carts or 0, item.views),
        conversion=None if item.views is None else percent(now.orders, item.views),
        previous=None
        if before is None
        else AnalyticsProductFigures(units=before.units, net_sales=money_of(before.net, currency)),
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


# The tax reports


def rate_out(rate: Decimal) -> str:
    """A rate as a percent without trailing zeros: 0.1900 is "19", 0.0550 is "5.5"."""
    return f"{(rate * 100).normalize():f}"


class AnalyticsTaxAmounts(Schema):
    taxable_amount: Money = Field(description="Without tax, refunds taken off.")
    tax: Money


class AnalyticsTaxRow(AnalyticsTaxAmounts):
    country: str = Field(description="Where the order was shipped (empty: no address).")
    rate: str = Field(description="In percent.")
    previous: AnalyticsTaxAmounts | None


class AnalyticsCurrencyTaxes(Schema):
    currency: str
    totals: AnalyticsTaxAmounts
    previous_totals: AnalyticsTaxAmounts | None
    rows: list[AnalyticsTaxRow]


class AnalyticsTaxes(AnalyticsRangeReport):
    currencies: list[AnalyticsCurrencyTaxes]


def _tax_amounts(amounts: TaxAmounts, currency: str) -> AnalyticsTaxAmounts:
    return AnalyticsTaxAmounts(
        taxable_amount=money_of(amounts.taxable, currency), tax=money_of(amounts.tax, currency)
    )


def _summed(amounts: list[TaxAmounts]) -> TaxAmounts:
    total = TaxAmounts()
    for item in amounts:
        total.add(item)
    return total


def _currency_taxes(block: CurrencyTaxes, compared: bool) -> AnalyticsCurrencyTaxes:
    code = block.currency
    before = [row.previous for row in block.rows if row.previous is not None]
    return AnalyticsCurrencyTaxes(
        currency=code,
        totals=_tax_amounts(_summed([row.current for row in block.rows]), code),
        previous_totals=_tax_amounts(_summed(before), code) if compared else None,
        rows=[
            AnalyticsTaxRow(
                country=row.country,
                rate=rate_out(row.rate),
                taxable_amount=money_of(row.current.taxable, code),
                tax=money_of(row.current.tax, code),
                previous=None if row.previous is None else _tax_amounts(row.previous, code),
            )
            for row in block.rows
        ],
    )


def taxes_out(period: Period, found: list[CurrencyTaxes]) -> AnalyticsTaxes:
    compared = period.previous is not None
    return AnalyticsTaxes(
        period=period_out(period), currencies=[_currency_taxes(b, compared) for b in found]
    )


class AnalyticsOssParams(Schema):
    quarter: str = Field(
        pattern=r"^(19[7-9]\d|2\d{3})-Q[1-4]$",
        description="The quarter of the return, e.g. 2026-Q3 (years 1970 to 2999).",
    )
    # the reports' own currency parameter (pattern, description, default)
    currency: Annotated[str | None, AnalyticsReportParams.model_fields["currency"]]


class AnalyticsOssState(Schema):
    country: str = Field(description="The member state of consumption.")
    rate: str = Field(description="In percent.")
    taxable_amount: Money
    vat: Money


class AnalyticsReverseChargeSale(Schema):
    vat_number: str = Field(description="The buyer's VAT number.")
    country: str
    orders: int = Field(description="Orders placed in the quarter.")
    amount: Money = Field(description="Without VAT, refunds in the quarter taken off.")


class AnalyticsOssCurrency(Schema):
    currency: str
    taxable_amount: Money
    vat: Money
    member_states: list[AnalyticsOssState]
    reverse_charge: list[AnalyticsReverseChargeSale]


class AnalyticsOss(DayRange):
    quarter: str
    origin_country: str = Field(description="The shop's: its sales there are not in the return.")
    currencies: list[AnalyticsOssCurrency]


def _oss_currency(block: OssCurrency) -> AnalyticsOssCurrency:
    code = block.currency
    total = _summed([row.current for row in block.member_states])
    return AnalyticsOssCurrency(
        currency=code,
        taxable_amount=money_of(total.taxable, code),
        vat=money_of(total.tax, code),
        member_states=[
            AnalyticsOssState(
                country=row.country,
                rate=rate_out(row.rate),
                taxable_amount=money_of(row.current.taxable, code),
                vat=money_of(row.current.tax, code),
            )
            for row in block.member_states
        ],
        reverse_charge=[
            AnalyticsReverseChargeSale(
                vat_number=sale.vat_number,
                country=sale.country,
                orders=sale.amounts.orders,
                amount=money_of(sale.amounts.taxable + sale.amounts.tax, code),
            )
            for sale in block.reverse_charge
        ],
    )


def oss_out(found: OssReturn) -> AnalyticsOss:
    return AnalyticsOss(
        **{"from": found.start},
        to=found.end,
        quarter=found.quarter,
        origin_country=found.origin,
        currencies=[_oss_currency(block) for block in found.currencies],
    )


# The customers report


class AnalyticsGuestOrders(Schema):
    orders: int
    sales: Money = Field(description="Gross sales less discounts of those orders.")


class AnalyticsBuyers(AnalyticsGuestOrders):
    customers: int


class AnalyticsCustomerSplit(Schema):
    new: AnalyticsBuyers = Field(description="Customers whose first order is in these days.")
    returning: AnalyticsBuyers = Field(description="Customers who had ordered before.")
    guests: AnalyticsGuestOrders = Field(description="Orders without an account.")
    returning_share: str | None = Field(
        description="Returning customers per customer, in percent; null without customers."
    )


class AnalyticsCustomerPoint(DayRange):
    figures: AnalyticsCustomerSplit
    previous: AnalyticsCustomerSplit | None


class AnalyticsCustomerSeries(Schema):
    currency: str
    totals: AnalyticsCustomerSplit
    previous_totals: AnalyticsCustomerSplit | None
    points: list[AnalyticsCustomerPoint]


class AnalyticsCustomers(AnalyticsRangeReport):
    interval: Interval
    series: list[AnalyticsCustomerSeries]


def _guests(buyers: Buyers, currency: str) -> AnalyticsGuestOrders:
    return AnalyticsGuestOrders(orders=buyers.orders, sales=money_of(buyers.sales, currency))


def _buyers(buyers: Buyers, currency: str) -> AnalyticsBuyers:
    return AnalyticsBuyers(
        customers=buyers.customers,
        orders=buyers.orders,
        sales=money_of(buyers.sales, currency),
    )


def _split(split: Split, currency: str) -> AnalyticsCustomerSplit:
    returning = split.returning.customers
    return AnalyticsCustomerSplit(
        new=_buyers(split.new, currency),
        returning=_buyers(split.returning, currency),
        guests=_guests(split.guests, currency),
        returning_share=percent(returning, returning + split.new.customers),
    )


def _maybe_split(split: Split | None, currency: str) -> AnalyticsCustomerSplit | None:
    return None if split is None else _split(split, currency)


def _customer_series(series: CustomerSeries) -> AnalyticsCustomerSeries:
    code = series.currency
    return AnalyticsCustomerSeries(
        currency=code,
        totals=_split(series.totals, code),
        previous_totals=_maybe_split(series.previous_totals, code),
        points=[
            AnalyticsCustomerPoint(
                **{"from": point.start},
                to=point.end,
                figures=_split(point.current, code),
                previous=_maybe_split(point.previous, code),
            )
            for point in series.rows
        ],
    )


def customers_out(
    period: Period, interval: Interval, found: list[CustomerSeries]
) -> AnalyticsCustomers:
    return AnalyticsCustomers(
        period=period_out(period),
        interval=interval,
        series=[_customer_series(series) for series in found],
    )


# The cohorts report

_REPORT_PARAMS = AnalyticsReportParams.model_fields


class AnalyticsCohortParams(Schema):
    """The overview's range and currency (a cohort compares months with each other: no
    `compare`)."""

    from_: Annotated[date, _REPORT_PARAMS["from_"]]
    to: Annotated[date, _REPORT_PARAMS["to"]]
    currency: Annotated[str | None, _REPORT_PARAMS["currency"]]


class AnalyticsRetention(Schema):
    months_later: int = Field(description="0: the cohort's own month.")
    customers: int = Field(description="Customers of the cohort who ordered that month.")
    share: str | None = Field(description="Of the cohort's customers, in percent.")


class AnalyticsCohort(Schema):
    month: str = Field(description="The month of the first order, e.g. 2026-03.")
    customers: int
    retention: list[AnalyticsRetention]


class AnalyticsCurrencyCohorts(Schema):
    currency: str
    cohorts: list[AnalyticsCohort]


class AnalyticsCohorts(DayRange):
    currencies: list[AnalyticsCurrencyCohorts]


def _cohort_out(cohort: Cohort) -> AnalyticsCohort:
    return AnalyticsCohort(
        month=cohort.month.strftime("%Y-%m"),
        customers=cohort.customers,
        retention=[
            AnalyticsRetention(
                months_later=k, customers=count, share=percent(count, cohort.customers)
            )
            for k, count in enumerate(cohort.active)
        ],
    )


def cohorts_out(period: Period, found: list[CurrencyCohorts]) -> AnalyticsCohorts:
    return AnalyticsCohorts(
        **{"from": period.start},
        to=period.end,
        currencies=[
            AnalyticsCurrencyCohorts(
                currency=block.currency, cohorts=[_cohort_out(c) for c in block.cohorts]
            )
            for block in found
        ],
    )
