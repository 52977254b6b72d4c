"""The products report: units, sales and returns of the counted order lines, per product or
per variant: the whole months and weeks of the range from the `LineSalesRollup` roll-ups
(those not stale), the other days from the line facts, one query for the names of those
shown, and (per product) one on the traffic roll-ups for their views and adds to cart."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.db.models import Sum

from mercato.analytics.models import DailyProductTraffic, LineSalesRollup, OrderLineFact
from mercato.analytics.reports.common import cents, currencies, either, per_window, split_spans
from mercato.analytics.selectors import Period
from mercato.catalog.models import Product, ProductVariant

Item = Literal["product", "variant"]
ProductOrder = Literal["net_sales", "units"]
ZERO = Decimal("0.00")


@dataclass
class LineSales:
    """Lines of orders placed in a window: units, listed amount, discounts, units received
    back."""

    units: int = 0
    gross: Decimal = ZERO
    discounts: Decimal = ZERO
    returned: int = 0
    orders: int = 0

    @property
    def net(self) -> Decimal:
        return self.gross - self.discounts

    def add(self, other: "LineSales") -> None:
        """Another part of the window (an order is in one part only: `orders` add up)."""
        self.units += other.units
        self.gross += other.gross
        self.discounts += other.discounts
        self.returned += other.returned
        self.orders += other.orders


@dataclass
class ProductSales:
    """One product or variant (`id` None: lines whose variant was deleted since)."""

    id: int | None
    current: LineSales = field(default_factory=LineSales)
    previous: LineSales | None = None
    name: str | None = None
    sku: str | None = None
    # the storefront's, in the range (products only: the events name products)
    views: int | None = None
    add_to_carts: int | None = None


@dataclass
class CurrencyProducts:
    currency: str
    items: list[ProductSales]


def get_products(
    *,
    period: Period,
    by: Item = "product",
    order_by: ProductOrder = "net_sales",
    limit: int = 20,
    currency: str | None = None,
    traffic: bool = True,
) -> list[CurrencyProducts]:
    """Per currency, the `limit` products (or variants) with the most net sales (or units) in
    the period, each with its figures in the compared range (and, per product with
    `traffic`, its views and adds to cart in the range)."""
    found: dict[str, dict[int | None, ProductSales]] = defaultdict(dict)
    split = split_spans(period)
    lines = OrderLineFact.objects.filter(either(split.days.values()), counted=True)
    if currency:
        lines = lines.filter(currency=currency)
    sums = {
        "units": (Sum, "quantity"),
        "gross": (Sum, "gross"),
        "discounts": (Sum, "discount"),
        "returned": (Sum, "returned"),
        "orders": (Sum, f"{by}_orders"),
    }
    rolled = LineSalesRollup.objects.filter(either(split.rollups.values()), by=by)
    if currency:
        rolled = rolled.filter(currency=currency)
    summed = {name: (Sum, name) for name in ("units", "gross", "discounts", "returned", "orders")}
    read = [(lines, sums, split.days), (rolled, summed, split.rollups)]
    for rows, summing, spans in read:
        for row in per_window(rows, keys={"key": f"{by}_id"}, sums=summing, spans=spans):
            item = found[row["currency"]].setdefault(row["key"], ProductSales(id=row["key"]))
            for window in spans:
                sales = LineSales(
                    units=row[f"units_{window}"] or 0,
                    gross=cents(row[f"gross_{window}"]),
                    discounts=cents(row[f"discounts_{window}"]),
                    returned=row[f"returned_{window}"] or 0,
                    orders=row[f"orders_{window}"] or 0,
                )
                if window == "current":
                    item.current.add(sales)
                else:
                    item.previous = item.previous or LineSales()
                    item.previous.add(sales)

    def rank(item: ProductSales) -> tuple[Decimal, int, int]:
        first = item.current.net if order_by == "net_sales" else Decimal(item.current.units)
        return (-first, -item.current.units, item.id or 0)

    shown = [
        CurrencyProducts(
            code, sorted((i for i in found[code].values() if i.current.units), key=rank)[:limit]
        )
        for code in currencies(found, currency)
    ]
    _name(shown, by)
    if traffic and by == "product":
        _traffic(shown, period)
    return shown


def _traffic(shown: list[CurrencyProducts], period: Period) -> None:
    """The views and adds to cart of each product shown in the range (not the compared
    one), from the traffic roll-ups in one query; 0 for a product without any."""
    ids = {item.id for block in shown for item in block.items if item.id is not None}
    if not ids:
        return
    rows = (
        DailyProductTraffic.objects.filter(
            product_id__in=ids, day__range=(period.start, period.end)
        )
        .values("product_id")
        .annotate(views=Sum("views"), add_to_carts=Sum("add_to_carts"))
        .order_by()
    )
    found = {row["product_id"]: (row["views"], row["add_to_carts"]) for row in rows}
    for block in shown:
        for item in block.items:
            if item.id is not None:
                item.views, item.add_to_carts = found.get(item.id, (0, 0))


def _name(shown: list[CurrencyProducts], by: Item) -> None:
    """The catalog's current name (and SKU) of each item shown, in one query."""
    ids = {item.id for block in shown for item in block.items if item.id is not None}
    if not ids:
        return
    names: dict[int, tuple[str, str | None]]
    if by == "product":
        products = Product.objects.filter(pk__in=ids).values_list("pk", "name")
        names = {pk: (name, None) for pk, name in products}
    else:
        variants = ProductVariant.objects.filter(pk__in=ids).values_list(
            "pk", "product__name", "name", "sku"
        )
        names = {pk: (f"{product} {name}".strip(), sku) for pk, product, name, sku in variants}
    for block in shown:
        for item in block.items:
            if item.id is not None:
                item.name, item.sku = names.get(item.id, (None, None))
