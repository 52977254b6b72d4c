"""The stock and payments reports' schemas (docs/analytics.md, "Stock" and "Payments"): query
parameters in, figures out (money as `{"amount", "currency"}`, rates as strings)."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from ninja import Field, Schema

from mercato.analytics.report_schemas import AnalyticsRangeReport, percent
from mercato.analytics.reports.common import CurrencyRows
from mercato.analytics.reports.payments import PaymentFigures, ProviderPayments
from mercato.analytics.reports.stock import (
    StockFilter,
    StockOrder,
    StockReport,
    StockTotals,
    VariantStock,
    WarehouseStock,
)
from mercato.analytics.schemas import money_of, period_out
from mercato.analytics.selectors import Period
from mercato.core.money import Money


def _ratio(part: int, whole: int, places: str) -> str:
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


# The stock report


class AnalyticsStockParams(Schema):
    warehouse: UUID | None = Field(None, description="Only this warehouse (its public id).")
    days: int = Field(
        30, ge=1, le=365, description="The units sold are counted over this many shop days."
    )
    filter: StockFilter = Field(
        "all",
        description="Which variants: all; low (available at or below the low-stock "
        "threshold); dead (on hand, nothing sold in the days); out (nothing available).",
    )
    order_by: StockOrder = Field(
        "value",
        description="The variants with the most value at cost, units on hand, units sold, "
        "highest sell-through first; the fewest days of cover first; or by SKU.",
    )
    limit: int = Field(50, ge=1, le=500, description="How many variants.")


class AnalyticsStockUnits(Schema):
    on_hand: int
    allocated: int = Field(description="Held by placed orders.")
    available: int


class AnalyticsWarehouseStock(AnalyticsStockUnits):
    id: str = Field(description="The warehouse's public id.")
    name: str
    is_active: bool = Field(description="An inactive warehouse sells nothing: 0 available.")
    variants: int = Field(description="Variants with units on hand.")
    value: Money = Field(description="Units on hand at cost (variants with a cost only).")
    without_cost: int = Field(description="Variants with units on hand and no cost.")


class AnalyticsStockTotals(AnalyticsStockUnits):
    reserved: int = Field(description="Held by live cart reservations (0 with `warehouse`).")
    variants: int = Field(description="Variants with a stock row.")
    value: Money
    without_cost: int = Field(description="Variants with units on hand and no cost.")
    sold: int = Field(description="Units sold in the days.")
    low: int = Field(description="Variants the `low` filter shows.")
    out: int = Field(description="Variants the `out` filter shows.")
    dead: int = Field(description="Variants the `dead` filter shows.")


class AnalyticsVariantStock(AnalyticsStockUnits):
    id: int = Field(description="The variant.")
    sku: str
    product_name: str
    variant_name: str
    reserved: int
    low_stock_threshold: int
    unit_cost: Money | None = Field(description="Null: no cost in the shop currency.")
    value: Money | None = Field(description="Units on hand at cost; null without a cost.")
    sold: int = Field(description="Units of counted orders placed in the days.")
    daily_rate: str = Field(description="Units sold per day (two decimals).")
    days_of_cover: str | None = Field(
        description="Available units / daily rate, in days (one decimal); null when nothing sold."
    )
    sell_through: str | None = Field(
        description="Units sold / (sold + on hand), in percent; null when both are 0."
    )
    dead: bool = Field(description="Units on hand and nothing sold in the days.")


class AnalyticsStock(Schema):
    as_of: datetime
    currency: str = Field(description="The shop's: values at cost are in it.")
    warehouse: str | None
    days: int
    sales_from: date = Field(description="The first shop day the units sold count in.")
    sales_to: date = Field(description="Today, in the shop's time zone.")
    filter: StockFilter
    order_by: StockOrder
    warehouses: list[AnalyticsWarehouseStock]
    totals: AnalyticsStockTotals
    variants: list[AnalyticsVariantStock]


def _warehouse_out(item: WarehouseStock, currency: str) -> AnalyticsWarehouseStock:
    return AnalyticsWarehouseStock(
        id=item.public_id,
        name=item.name,
        is_active=item.is_active,
        variants=item.variants,
        on_hand=item.on_hand,
        allocated=item.allocated,
        available=item.available,
        value=money_of(item.value, currency),
        without_cost=item.without_cost,
    )


def _totals_out(totals: StockTotals, currency: str) -> AnalyticsStockTotals:
    return AnalyticsStockTotals(
        variants=totals.variants,
        on_hand=totals.on_hand,
        allocated=totals.allocated,
        reserved=totals.reserved,
        available=totals.available,
        value=money_of(totals.value, currency),
        without_cost=totals.without_cost,
        sold=totals.sold,
        low=totals.low,
        out=totals.out,
        dead=totals.dead,
    )


def _variant_out(row: VariantStock, days: int, currency: str) -> AnalyticsVariantStock:
    value = row.value
    return AnalyticsVariantStock(
        id=row.id,
        sku=row.sku,
        product_name=row.product_name,
        variant_name=row.variant_name,
        on_hand=row.on_hand,
        allocated=row.allocated,
        reserved=row.reserved,
        available=row.available,
        low_stock_threshold=row.threshold,
        unit_cost=None if row.unit_cost is None else money_of(row.unit_cost, currency),
        value=None if value is None else money_of(value, currency),
        sold=row.sold,
        daily_rate=_ratio(row.sold, days, "0.01"),
        days_of_cover=_ratio(row.available * days, row.sold, "0.1") if row.sold else None,
        sell_through=percent(row.sold, row.sold + row.on_hand),
        dead=row.dead,
    )


def stock_out(
    found: StockReport, *, as_of: datetime, show: StockFilter, order_by: StockOrder
) -> AnalyticsStock:
    code = found.currency
    return AnalyticsStock(
        as_of=as_of,
        currency=code,
        warehouse=None if found.warehouse is None else str(found.warehouse.public_id),
        days=found.days,
        sales_from=found.start,
        sales_to=found.end,
        filter=show,
        order_by=order_by,
        warehouses=[_warehouse_out(item, code) for item in found.warehouses],
        totals=_totals_out(found.totals, code),
        variants=[_variant_out(row, found.days, code) for row in found.rows],
    )


# The payments report


class AnalyticsPaymentFigures(Schema):
    attempted: int = Field(description="Payment attempts made on these days.")
    authorized: int = Field(description="Attempts the provider holds or held the money of.")
    captured: int = Field(description="Attempts money was taken from.")
    declined: int = Field(description="Attempts the provider refused (failed).")
    voided: int = Field(description="Released before any capture, or abandoned.")
    open: int = Field(description="Still pending or waiting for the shopper.")
    decline_rate: str | None = Field(description="Declined per attempt, in percent.")
    authorized_amount: Money
    captured_amount: Money
    refunded_amount: Money = Field(description="Given back of these attempts, to date.")
    refund_rate: str | None = Field(description="Refunded per captured amount, in percent.")


class AnalyticsPaymentProvider(AnalyticsPaymentFigures):
    provider: str
    previous: AnalyticsPaymentFigures | None


class AnalyticsCurrencyPayments(Schema):
    currency: str
    totals: AnalyticsPaymentFigures
    previous_totals: AnalyticsPaymentFigures | None
    providers: list[AnalyticsPaymentProvider]


class AnalyticsPayments(AnalyticsRangeReport):
    currencies: list[AnalyticsCurrencyPayments]


def _figure_fields(figures: PaymentFigures, currency: str) -> dict:
    return {
        "attempted": figures.attempted,
        "authorized": figures.authorized,
        "captured": figures.captured_count,
        "declined": figures.declined,
        "voided": figures.voided,
        "open": figures.open,
        "decline_rate": percent(figures.declined, figures.attempted),
        "authorized_amount": money_of(figures.authorized_amount, currency),
        "captured_amount": money_of(figures.captured, currency),
        "refunded_amount": money_of(figures.refunded, currency),
        "refund_rate": percent(figures.refunded, figures.captured),
    }


def _figures_out(figures: PaymentFigures | None, currency: str) -> AnalyticsPaymentFigures | None:
    if figures is None:
        return None
    return AnalyticsPaymentFigures(**_figure_fields(figures, currency))


def _provider_out(item: ProviderPayments, currency: str) -> AnalyticsPaymentProvider:
    return AnalyticsPaymentProvider(
        provider=item.provider,
        **_figure_fields(item.current, currency),
        previous=_figures_out(item.previous, currency),
    )


def payments_out(
    period: Period, found: list[CurrencyRows[PaymentFigures, ProviderPayments]]
) -> AnalyticsPayments:
    return AnalyticsPayments(
        period=period_out(period),
        currencies=[
            AnalyticsCurrencyPayments(
                currency=block.currency,
                totals=AnalyticsPaymentFigures(**_figure_fields(block.totals, block.currency)),
                previous_totals=_figures_out(block.previous_totals, block.currency),
                providers=[_provider_out(item, block.currency) for item in block.rows],
            )
            for block in found
        ],
    )
