"""The schemas of the categories and collections report and of the vouchers and promotions
report (docs/analytics.md): their parameters, built on the overview's, and their figures per
currency (money as `{"amount", "currency"}`)."""

from typing import Any
from uuid import UUID

from ninja import Field, Schema

from mercato.analytics.report_schemas import AnalyticsRangeReport, percent
from mercato.analytics.reports.categories import (
    CatalogGroup,
    CatalogReport,
    CatalogSales,
    CurrencyCatalog,
    Grouping,
)
from mercato.analytics.reports.discounts import (
    CurrencyDiscounts,
    Given,
    PromotionSales,
    VoucherSales,
)
from mercato.analytics.schemas import AnalyticsReportParams, money_of, period_out
from mercato.analytics.selectors import Period
from mercato.core.money import Money

# The categories and collections report


class AnalyticsCatalogParams(AnalyticsReportParams):
    by: Grouping = Field(
        "category", description="One row per category (with its subtree), or per collection."
    )
    parent: UUID | None = Field(
        None,
        description="A category's id: its children are the rows (default: the top of the "
        "tree). Only with `by=category`.",
    )


class AnalyticsCatalogFigures(Schema):
    units: int
    net_sales: Money = Field(description="Listed amount less promotions and the voucher.")
    orders: int = Field(description="Orders with such lines.")


class AnalyticsCatalogOther(AnalyticsCatalogFigures):
    share: str | None = Field(
        description="Its part of the net sales of the lines in scope (`totals`), in percent "
        "(one decimal); null when those are not positive."
    )
    previous: AnalyticsCatalogFigures | None


class AnalyticsCatalogGroup(AnalyticsCatalogOther):
    id: UUID = Field(description="The category's or collection's id.")
    name: str = Field(description="Its name in the catalog now.")
    slug: str = Field(description="The category's slug path, or the collection's slug.")
    subcategories: int | None = Field(
        description="How many children the category has (null for a collection)."
    )


class AnalyticsCatalogCurrency(Schema):
    currency: str
    totals: AnalyticsCatalogFigures = Field(
        description="The lines in scope: the parent's subtree, or every line."
    )
    previous_totals: AnalyticsCatalogFigures | None
    groups: list[AnalyticsCatalogGroup]
    other: AnalyticsCatalogOther = Field(
        description="The lines in scope in no row: products filed in the parent itself; at "
        "the top, products without a category or deleted since; products in no collection."
    )


class AnalyticsCatalogParent(Schema):
    id: UUID
    name: str
    slug: str


class AnalyticsCatalog(AnalyticsRangeReport):
    by: Grouping
    parent: AnalyticsCatalogParent | None
    currencies: list[AnalyticsCatalogCurrency]


def _catalog_figures(sales: CatalogSales, currency: str) -> AnalyticsCatalogFigures:
    return AnalyticsCatalogFigures(
        units=sales.units, net_sales=money_of(sales.net, currency), orders=sales.orders
    )


def _maybe_catalog_figures(
    sales: CatalogSales | None, currency: str
) -> AnalyticsCatalogFigures | None:
    return None if sales is None else _catalog_figures(sales, currency)


def _catalog_other(group: CatalogGroup, totals: CatalogSales, currency: str) -> dict[str, Any]:
    return {
        "units": group.current.units,
        "net_sales": money_of(group.current.net, currency),
        "orders": group.current.orders,
        "share": percent(group.current.net, totals.net),
        "previous": _maybe_catalog_figures(group.previous, currency),
    }


def _catalog_currency(block: CurrencyCatalog) -> AnalyticsCatalogCurrency:
    code = block.currency
    groups = []
    for group in block.groups:
        entry = group.entry
        assert entry is not None  # a row is a catalog entry
        groups.append(
            AnalyticsCatalogGroup(
                id=entry.public_id,
                name=entry.name,
                slug=entry.slug,
                subcategories=entry.subcategories,
                **_catalog_other(group, block.totals, code),
            )
        )
    return AnalyticsCatalogCurrency(
        currency=code,
        totals=_catalog_figures(block.totals, code),
        previous_totals=_maybe_catalog_figures(block.previous_totals, code),
        groups=groups,
        other=AnalyticsCatalogOther(**_catalog_other(block.other, block.totals, code)),
    )


def catalog_out(period: Period, found: CatalogReport) -> AnalyticsCatalog:
    parent = found.parent
    return AnalyticsCatalog(
        period=period_out(period),
        by=found.by,
        parent=None
        if parent is None
        else AnalyticsCatalogParent(id=parent.public_id, name=parent.name, slug=parent.slug_path),
        currencies=[_catalog_currency(block) for block in found.currencies],
    )


# The vouchers and promotions report


class AnalyticsDiscountVoucherFigures(Schema):
    orders: int = Field(description="Counted orders placed with the code.")
    discount: Money = Field(description="What the voucher took off them (shipping included).")
    net_sales: Money = Field(
        description="Of those orders: gross - discounts - the refunds made in the range."
    )


class AnalyticsDiscountVoucher(AnalyticsDiscountVoucherFigures):
    code: str
    previous: AnalyticsDiscountVoucherFigures | None


class AnalyticsDiscountVouchers(Schema):
    totals: AnalyticsDiscountVoucherFigures = Field(description="Every order with a voucher.")
    previous_totals: AnalyticsDiscountVoucherFigures | None
    codes: list[AnalyticsDiscountVoucher]


class AnalyticsDiscountPromotionFigures(Schema):
    lines: int = Field(description="Counted order lines the promotion priced.")
    units: int
    discount: Money = Field(description="What the promotion took off them.")
    net_sales: Money = Field(description="Of those lines: listed amount less every discount.")


class AnalyticsDiscountPromotion(AnalyticsDiscountPromotionFigures):
    id: int = Field(description="The promotion, as the lines kept it.")
    public_id: UUID | None = Field(description="Its id in the pricing API; null: deleted since.")
    name: str = Field(description="Its name now (deleted: as its lines kept it).")
    previous: AnalyticsDiscountPromotionFigures | None


class AnalyticsDiscountPromotions(Schema):
    totals: AnalyticsDiscountPromotionFigures = Field(description="Every promoted line.")
    previous_totals: AnalyticsDiscountPromotionFigures | None
    items: list[AnalyticsDiscountPromotion]


class AnalyticsDiscountCurrency(Schema):
    currency: str
    vouchers: AnalyticsDiscountVouchers
    promotions: AnalyticsDiscountPromotions


class AnalyticsDiscounts(AnalyticsRangeReport):
    currencies: list[AnalyticsDiscountCurrency]


def _voucher_figures(sales: VoucherSales, currency: str) -> AnalyticsDiscountVoucherFigures:
    return AnalyticsDiscountVoucherFigures(
        orders=sales.orders,
        discount=money_of(sales.discount, currency),
        net_sales=money_of(sales.net, currency),
    )


def _promotion_figures(sales: PromotionSales, currency: str) -> AnalyticsDiscountPromotionFigures:
    return AnalyticsDiscountPromotionFigures(
        lines=sales.lines,
        units=sales.units,
        discount=money_of(sales.discount, currency),
        net_sales=money_of(sales.net, currency),
    )


def _voucher(given: Given[VoucherSales], currency: str) -> AnalyticsDiscountVoucher:
    return AnalyticsDiscountVoucher(
        code=given.key,
        orders=given.current.orders,
        discount=money_of(given.current.discount, currency),
        net_sales=money_of(given.current.net, currency),
        previous=None if given.previous is None else _voucher_figures(given.previous, currency),
    )


def _promotion(given: Given[PromotionSales], currency: str) -> AnalyticsDiscountPromotion:
    now, before = given.current, given.previous
    return AnalyticsDiscountPromotion(
        id=given.key,
        public_id=given.public_id,
        name=given.name,
        lines=now.lines,
        units=now.units,
        discount=money_of(now.discount, currency),
        net_sales=money_of(now.net, currency),
        previous=None if before is None else _promotion_figures(before, currency),
    )


def _discount_currency(block: CurrencyDiscounts) -> AnalyticsDiscountCurrency:
    code = block.currency
    vouchers_before, promotions_before = (
        block.previous_voucher_totals,
        block.previous_promotion_totals,
    )
    return AnalyticsDiscountCurrency(
        currency=code,
        vouchers=AnalyticsDiscountVouchers(
            totals=_voucher_figures(block.voucher_totals, code),
            previous_totals=None
            if vouchers_before is None
            else _voucher_figures(vouchers_before, code),
            codes=[_voucher(given, code) for given in block.vouchers],
        ),
        promotions=AnalyticsDiscountPromotions(
            totals=_promotion_figures(block.promotion_totals, code),
            previous_totals=None
            if promotions_before is None
            else _promotion_figures(promotions_before, code),
            items=[_promotion(given, code) for given in block.promotions],
        ),
    )


def discounts_out(period: Period, found: list[CurrencyDiscounts]) -> AnalyticsDiscounts:
    return AnalyticsDiscounts(
        period=period_out(period), currencies=[_discount_currency(block) for block in found]
    )
