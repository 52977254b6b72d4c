"""The vouchers and promotions report: what each voucher code and each promotion gave away in
the counted orders placed in a range, and the sales it came with: two queries on their daily
roll-up (`DailyDiscount`: the voucher codes, the promotions) and one for the names of the
promotions shown."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db.models import Max, Sum

from mercato.analytics.models import DailyDiscount
from mercato.analytics.reports.common import cents, currencies, per_window, scope, windows
from mercato.analytics.selectors import Period
from mercato.pricing.models import Promotion

ZERO = Decimal("0.00")
S = TypeVar("S", "VoucherSales", "PromotionSales")


@dataclass
class VoucherSales:
    """Counted orders placed in a window with the code: what the voucher took off them
    (`Order.voucher_discount`, a free-shipping voucher's shipping included), and their net
    sales: gross - discounts of those orders - the refunds made in the window of orders with
    the code (whenever they were placed)."""

    orders: int = 0
    discount: Decimal = ZERO
    gross: Decimal = ZERO
    discounts: Decimal = ZERO
    refunds: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.discounts - self.refunds

    def add(self, other: "VoucherSales") -> None:
        self.orders += other.orders
        self.discount += other.discount
        self.gross += other.gross
        self.discounts += other.discounts
        self.refunds += other.refunds


@dataclass
class PromotionSales:
    """Counted lines of orders placed in a window that the promotion priced: what it took
    off them (`OrderLine.promotion_discount`) and their net sales (listed amount less the
    promotion and the voucher's share: refunds are not split over lines)."""

    lines: int = 0
    units: int = 0
    discount: Decimal = ZERO
    gross: Decimal = ZERO
    discounts: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.discounts

    def add(self, other: "PromotionSales") -> None:
        self.lines += other.lines
        self.units += other.units
        self.discount += other.discount
        self.gross += other.gross
        self.discounts += other.discounts


@dataclass
class Given(Generic[S]):
    """A voucher code (`key`) or a promotion (`key`: its id as the lines kept it)."""

    key: Any
    current: S
    previous: S | None = None
    name: str = ""
    public_id: UUID | None = None


@dataclass
class CurrencyDiscounts:
    currency: str
    vouchers: list[Given[VoucherSales]] = field(default_factory=list)
    voucher_totals: VoucherSales = field(default_factory=VoucherSales)
    previous_voucher_totals: VoucherSales | None = None
    promotions: list[Given[PromotionSales]] = field(default_factory=list)
    promotion_totals: PromotionSales = field(default_factory=PromotionSales)
    previous_promotion_totals: PromotionSales | None = None


def get_discounts(*, period: Period, currency: str | None = None) -> list[CurrencyDiscounts]:
    """Per currency, each voucher code and each promotion used in the counted orders of the
    period (or whose orders were refunded in it), most discount given first, with the
    compared range and the totals."""
    spans = windows(period)
    vouchers: dict[str, dict[Any, Given[VoucherSales]]] = defaultdict(dict)
    promotions: dict[str, dict[Any, Given[PromotionSales]]] = defaultdict(dict)

    def voucher(code: str, key: str, window: str) -> VoucherSales:
        given = vouchers[code].setdefault(key, Given(key, VoucherSales()))
        return _window(given, window, VoucherSales)

    days = DailyDiscount.objects.filter(scope(period, currency))
    voucher_sums = {
        "orders": (Sum, "orders"),
        "discount": (Sum, "discount"),
        "gross": (Sum, "gross"),
        "discounts": (Sum, "discounts"),
        "refunds": (Sum, "refunds"),
    }
    codes = days.filter(by="voucher")
    for row in per_window(codes, keys={"code": "key"}, sums=voucher_sums, spans=spans):
        for window in spans:
            found = voucher(row["currency"], row["code"], window)
            found.orders += row[f"orders_{window}"] or 0
            found.discount += cents(row[f"discount_{window}"])
            found.gross += cents(row[f"gross_{window}"])
            found.discounts += cents(row[f"discounts_{window}"])
            found.refunds += cents(row[f"refunds_{window}"])
    promotion_sums = {
        "lines": (Sum, "lines"),
        "units": (Sum, "units"),
        "discount": (Sum, "discount"),
        "gross": (Sum, "gross"),
        "discounts": (Sum, "discounts"),
        "name": (Max, "name"),  # as a line kept it, for a promotion deleted since
    }
    offers = days.filter(by="promotion")
    for row in per_window(offers, keys={"offer": "key"}, sums=promotion_sums, spans=spans):
        key = int(row["offer"])
        given = promotions[row["currency"]].setdefault(key, Given(key, PromotionSales()))
        for window in spans:
            sales = _window(given, window, PromotionSales)
            sales.lines += row[f"lines_{window}"] or 0
            sales.units += row[f"units_{window}"] or 0
            sales.discount += cents(row[f"discount_{window}"])
            sales.gross += cents(row[f"gross_{window}"])
            sales.discounts += cents(row[f"discounts_{window}"])
            given.name = given.name or row[f"name_{window}"] or ""
    _name(promotions)
    compared = "previous" in spans
    return [
        _currency(code, vouchers[code], promotions[code], compared)
        for code in currencies([*vouchers, *promotions], currency)
    ]


def _window(given: Given[S], window: str, empty: type[S]) -> S:
    if window == "current":
        return given.current
    given.previous = given.previous or empty()
    return given.previous


def _name(promotions: dict[str, dict[Any, Given[PromotionSales]]]) -> None:
    """The current name and public id of each promotion shown, in one query (a promotion
    deleted since keeps the name its lines were sold under)."""
    ids = {key for found in promotions.values() for key in found}
    if not ids:
        return
    now = {
        pk: (name, public_id)
        for pk, name, public_id in Promotion.objects.filter(pk__in=ids).values_list(
            "pk", "name", "public_id"
        )
    }
    for found in promotions.values():
        for given in found.values():
            if given.key in now:
                given.name, given.public_id = now[given.key]


def _totals(groups: list[Given[S]], empty: type[S], compared: bool) -> tuple[S, S | None]:
    total, previous = empty(), empty() if compared else None
    for given in groups:
        total.add(given.current)
        if previous is not None:
            given.previous = given.previous or empty()
            previous.add(given.previous)
    return total, previous


def _currency(
    code: str,
    vouchers: dict[Any, Given[VoucherSales]],
    promotions: dict[Any, Given[PromotionSales]],
    compared: bool,
) -> CurrencyDiscounts:
    codes = sorted(vouchers.values(), key=lambda g: (-g.current.discount, -g.current.orders, g.key))
    offers = sorted(
        promotions.values(), key=lambda g: (-g.current.discount, -g.current.lines, g.key)
    )
    voucher_totals, previous_vouchers = _totals(codes, VoucherSales, compared)
    promotion_totals, previous_promotions = _totals(offers, PromotionSales, compared)
    return CurrencyDiscounts(
        currency=code,
        vouchers=codes,
        voucher_totals=voucher_totals,
        previous_voucher_totals=previous_vouchers,
        promotions=offers,
        promotion_totals=promotion_totals,
        previous_promotion_totals=previous_promotions,
    )
