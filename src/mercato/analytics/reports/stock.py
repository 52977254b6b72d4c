"""The stock report (docs/analytics.md, "Stock"): what is in the warehouses now, its value at
cost, and how fast it sells. Stock rows and variants are grouped in the database, the units
sold come from the line facts in a subquery: four queries (three without `warehouse`)
whatever the number of variants.

Availability is the inventory's (inventory/selectors.py): on hand less allocated to placed
orders, in the active warehouses, less what live cart reservations hold of the variant. A
reservation holds units of a variant, not of a warehouse: with a `warehouse`, nothing is
reserved and the available units are that warehouse's on hand less allocated."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from mercato.analytics.errors import UnknownWarehouse
from mercato.analytics.models import OrderLineFact
from mercato.analytics.reports.common import cents
from mercato.analytics.services import local_day
from mercato.catalog.models import ProductVariant
from mercato.inventory.models import Reservation, Stock, Warehouse

StockFilter = Literal["all", "low", "dead", "out"]
StockOrder = Literal["value", "on_hand", "sold", "days_of_cover", "sell_through", "sku"]


@dataclass
class WarehouseStock:
    """One warehouse's stock rows (an inactive warehouse sells nothing: 0 available)."""

    public_id: str
    name: str
    is_active: bool
    variants: int  # stock rows with units on hand
    on_hand: int
    allocated: int
    available: int
    value: Decimal  # units on hand at cost, of the variants with a cost in the shop currency
    without_cost: int  # stock rows with units on hand and no such cost


@dataclass
class StockTotals:
    variants: int  # variants with a stock row in scope
    on_hand: int
    allocated: int
    reserved: int
    available: int
    value: Decimal
    without_cost: int  # variants with units on hand and no cost in the shop currency
    sold: int
    low: int
    out: int
    dead: int


@dataclass
class VariantStock:
    id: int
    sku: str
    product_name: str
    variant_name: str
    on_hand: int
    allocated: int
    reserved: int
    available: int
    threshold: int
    unit_cost: Decimal | None  # None: no cost in the shop currency
    sold: int

    @property
    def value(self) -> Decimal | None:
        return None if self.unit_cost is None else self.unit_cost * self.on_hand

    @property
    def dead(self) -> bool:
        return self.on_hand > 0 and self.sold == 0


@dataclass
class StockReport:
    currency: str
    start: date  # the window the units sold are counted in
    end: date
    days: int
    warehouse: Warehouse | None
    warehouses: list[WarehouseStock]
    totals: StockTotals
    rows: list[VariantStock]


def get_report_warehouse(public_id: UUID | None) -> Warehouse | None:
    """The warehouse a report asks for (None: every one); 422 `unknown_warehouse`."""
    if public_id is None:
        return None
    warehouse = Warehouse.objects.filter(public_id=public_id).first()
    if warehouse is None:
        raise UnknownWarehouse("No warehouse has this id.", field="warehouse")
    return warehouse


def _costed() -> Q:
    """Variants (from a stock row: `variant__…`) whose cost is known in the shop currency."""
    return Q(variant__cost_price__isnull=False, variant__currency=settings.STORE_CURRENCY)


def _warehouses(warehouse: Warehouse | None) -> list[WarehouseStock]:
    stocks = Stock.objects.filter(warehouse=warehouse) if warehouse else Stock.objects.all()
    held = Q(quantity__gt=0)
    rows = (
        stocks.values("warehouse_id", "warehouse__public_id", "warehouse__name")
        .annotate(
            active=F("warehouse__is_active"),
            variants=Count("pk", filter=held),
            on_hand=Sum("quantity"),
            allocated=Sum("quantity_allocated"),
            value=Sum(F("quantity") * F("variant__cost_price"), filter=_costed()),
            without_cost=Count("pk", filter=held & ~_costed()),
        )
        .order_by("warehouse__priority", "warehouse__name", "warehouse_id")
    )
    return [
        WarehouseStock(
            public_id=str(row["warehouse__public_id"]),
            name=row["warehouse__name"],
            is_active=row["active"],
            variants=row["variants"],
            on_hand=row["on_hand"] or 0,
            allocated=row["allocated"] or 0,
            available=max((row["on_hand"] or 0) - (row["allocated"] or 0), 0)
            if row["active"]
            else 0,
            value=cents(row["value"]),
            without_cost=row["without_cost"],
        )
        for row in rows
    ]


def _variants(warehouse: Warehouse | None, start: date, end: date) -> QuerySet[Any]:
    """One row per variant with a stock row (in the warehouse), its figures annotated."""
    if warehouse is not None:
        scope = Q(stocks__warehouse=warehouse)
        selling = scope
        reserved: Any = Value(0)
    else:
        scope = Q()
        selling = Q(stocks__warehouse__is_active=True)
        live = Reservation.objects.filter(variant_id=OuterRef("pk"), expires_at__gt=timezone.now())
        reserved = Coalesce(
            Subquery(live.values("variant_id").annotate(n=Sum("quantity")).values("n")[:1]), 0
        )
    lines = OrderLineFact.objects.filter(
        variant_id=OuterRef("pk"), counted=True, day__range=(start, end)
    )
    sold = Coalesce(
        Subquery(lines.values("variant_id").annotate(n=Sum("quantity")).values("n")[:1]), 0
    )
    in_scope = Stock.objects.filter(warehouse=warehouse) if warehouse else Stock.objects.all()
    costed = Q(cost_price__isnull=False, currency=settings.STORE_CURRENCY)
    variants = (
        ProductVariant.objects.filter(pk__in=in_scope.values("variant_id"))
        .values("pk", "sku", "name", "product__name")
        .annotate(
            unit_cost=Case(When(costed, then=F("cost_price")), default=None),
            threshold=Coalesce(
                F("inventory_item__low_stock_threshold"), Value(settings.LOW_STOCK_THRESHOLD)
            ),
            on_hand=Coalesce(Sum("stocks__quantity", filter=scope), 0),
            allocated=Coalesce(Sum("stocks__quantity_allocated", filter=scope), 0),
            selling=Coalesce(Sum("stocks__quantity", filter=selling), 0)
            - Coalesce(Sum("stocks__quantity_allocated", filter=selling), 0),
            reserved=reserved,
            sold=sold,
        )
        .annotate(
            available=Greatest(F("selling") - F("reserved"), 0),
            value=Case(When(costed, then=F("on_hand") * F("cost_price")), default=None),
        )
    )
    days = (end - start).days + 1
    return variants.annotate(
        cover=Case(
            When(
                sold__gt=0,
                then=Cast("available", FloatField()) * days / Cast("sold", FloatField()),
            ),
            default=None,
            output_field=FloatField(),
        ),
        through=Case(
            When(
                Q(sold__gt=0) | Q(on_hand__gt=0),
                then=Cast("sold", FloatField()) / Cast(F("sold") + F("on_hand"), FloatField()),
            ),
            default=None,
            output_field=FloatField(),
        ),
    )


FILTERS: dict[str, Q] = {
    "all": Q(),
    "low": Q(available__lte=F("threshold")),
    "out": Q(available__lte=0),
    "dead": Q(on_hand__gt=0, sold=0),
}

ORDERS: dict[str, list[Any]] = {
    "value": [F("value").desc(nulls_last=True), F("on_hand").desc()],
    "on_hand": [F("on_hand").desc()],
    "sold": [F("sold").desc()],
    "days_of_cover": [F("cover").asc(nulls_last=True)],
    "sell_through": [F("through").desc(nulls_last=True)],
    "sku": [],
}


def _totals(variants: QuerySet[Any]) -> StockTotals:
    def counted(condition: Q) -> Sum:
        return Sum(Case(When(condition, then=1), default=0, output_field=IntegerField()))

    found = variants.aggregate(
        n=Count("pk"),
        units=Sum("on_hand"),
        held=Sum("allocated"),
        carts=Sum("reserved"),
        free=Sum("available"),
        worth=Sum("value"),
        uncosted=counted(Q(on_hand__gt=0, unit_cost__isnull=True)),
        units_sold=Sum("sold"),
        **{f"n_{name}": counted(FILTERS[name]) for name in ("low", "out", "dead")},
    )
    return StockTotals(
        variants=found["n"],
        on_hand=found["units"] or 0,
        allocated=found["held"] or 0,
        reserved=found["carts"] or 0,
        available=found["free"] or 0,
        value=cents(found["worth"]),
        without_cost=found["uncosted"] or 0,
        sold=found["units_sold"] or 0,
        low=found["n_low"] or 0,
        out=found["n_out"] or 0,
        dead=found["n_dead"] or 0,
    )


def get_stock(
    *,
    warehouse: Warehouse | None = None,
    days: int = 30,
    show: StockFilter = "all",
    order_by: StockOrder = "value",
    limit: int = 50,
) -> StockReport:
    """The stock now, per warehouse and in total, and the `limit` variants that `show`
    selects, ordered by `order_by` (then by SKU), with the units sold in the last `days`
    shop days (today included)."""
    end = local_day(timezone.now())
    start = end - timedelta(days=days - 1)
    variants = _variants(warehouse, start, end)
    rows = variants.filter(FILTERS[show]).order_by(*ORDERS[order_by], "sku", "pk")[:limit]
    return StockReport(
        currency=settings.STORE_CURRENCY,
        start=start,
        end=end,
        days=days,
        warehouse=warehouse,
        warehouses=_warehouses(warehouse),
        totals=_totals(variants),
        rows=[
            VariantStock(
                id=row["pk"],
                sku=row["sku"],
                product_name=row["product__name"],
                variant_name=row["name"],
                on_hand=row["on_hand"],
                allocated=row["allocated"],
                reserved=row["reserved"],
                available=row["available"],
                threshold=row["threshold"],
                unit_cost=None if row["unit_cost"] is None else cents(row["unit_cost"]),
                sold=row["sold"],
            )
            for row in rows
        ],
    )
