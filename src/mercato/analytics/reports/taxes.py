"""The tax reports: taxable amounts and tax per shipping country and rate, and the EU
one-stop-shop return of a quarter, from the `DailyTax` roll-ups (summed from the order, line
and refund facts and the refunds' tax parts).

Sales count on the day of the order, refunds on the day of the refund (docs/analytics.md).
A refund is money given back on the whole order: it is split over the order's rates in
proportion to what the order charged at each (lines and shipping, with their tax), and each
part into taxable amount and tax at its rate."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from mercato.analytics.models import DailyTax
from mercato.analytics.reports.common import (
    cents,
    currencies,
    per_window,
    scope,
    windows,
)
from mercato.analytics.selectors import Period
from mercato.core.money import quantize
from mercato.pricing.eu_vat import EU_VAT_2025
from mercato.pricing.selectors import get_tax_settings

ZERO = Decimal("0.00")
# the roll-up's columns a tax line is keyed by, by their aliases (none is a column's name)
ORDER_KEYS = {"to_country": "country", "is_b2b": "reverse_charge", "buyer_vat": "vat_number"}


@dataclass(frozen=True, order=True)
class TaxKey:
    currency: str
    country: str
    rate: Decimal
    reverse_charge: bool
    vat_number: str


@dataclass
class TaxAmounts:
    """Taxable amount and tax (refunds taken off), and how many orders were placed."""

    orders: int = 0
    taxable: Decimal = ZERO
    tax: Decimal = ZERO

    def add(self, other: "TaxAmounts") -> None:
        self.orders += other.orders
        self.taxable += other.taxable
        self.tax += other.tax

    @property
    def any(self) -> bool:
        """Some amount (a free shipping line at another rate leaves none)."""
        return bool(self.taxable or self.tax)


Taxes = dict[str, dict[TaxKey, TaxAmounts]]  # window: key: amounts


def _key(row: dict[str, Any], rate: Decimal) -> TaxKey:
    return TaxKey(row["currency"], row["to_country"], rate, row["is_b2b"], row["buyer_vat"])


def split_refund(amount: Decimal, charged: dict[Decimal, Decimal]) -> dict[Decimal, TaxAmounts]:
    """`amount` given back split over `charged` (rate: what the order charged at it, with
    tax) in proportion, each part to the cent (the largest takes what rounding leaves), then
    into taxable amount and tax at its rate. Without anything charged, all is taxable at 0."""
    parts = sorted(((gross, rate) for rate, gross in charged.items() if gross > 0))
    total = sum((gross for gross, _ in parts), ZERO)
    if not parts:
        return {ZERO: TaxAmounts(taxable=amount)}
    found, left = {}, amount
    for index, (gross, rate) in enumerate(parts):
        share = left if index == len(parts) - 1 else quantize(amount * gross / total)
        left -= share
        tax = quantize(share * rate / (1 + rate))
        found[rate] = TaxAmounts(taxable=share - tax, tax=tax)
    return found


def get_taxes(*, period: Period, currency: str | None = None) -> Taxes:
    """Per window, the taxable amounts and tax of every (currency, country, rate, reverse
    charge, buyer VAT number): the counted orders' lines and shipping placed in the window,
    less the refunds made in it (split when the facts were written). One query of the
    `DailyTax` roll-ups."""
    spans = windows(period)
    found: Taxes = {window: defaultdict(TaxAmounts) for window in spans}
    rows = per_window(
        DailyTax.objects.filter(scope(period, currency)),
        keys={**ORDER_KEYS, "vat_rate": "rate"},
        sums={"orders": (Sum, "orders"), "taxable": (Sum, "taxable"), "tax": (Sum, "tax")},
        spans=spans,
    )
    for row in rows:
        for window in spans:
            amounts = found[window][_key(row, row["vat_rate"])]
            amounts.orders += row[f"orders_{window}"] or 0
            amounts.taxable += cents(row[f"taxable_{window}"])
            amounts.tax += cents(row[f"tax_{window}"])
    return found


@dataclass
class TaxRow:
    country: str
    rate: Decimal
    current: TaxAmounts
    previous: TaxAmounts | None


@dataclass
class CurrencyTaxes:
    currency: str
    rows: list[TaxRow]


def get_tax_rows(*, period: Period, currency: str | None = None) -> list[CurrencyTaxes]:
    """Per currency, the taxable amount and tax of each (shipping country, rate), each with
    the compared range's."""
    taxes = get_taxes(period=period, currency=currency)
    rows: dict[str, dict[tuple[str, Decimal], TaxRow]] = defaultdict(dict)
    for window, found in taxes.items():
        for key, amounts in found.items():
            row = rows[key.currency].setdefault(
                (key.country, key.rate),
                TaxRow(key.country, key.rate, TaxAmounts(), None),
            )
            if window == "current":
                row.current.add(amounts)
            else:
                row.previous = row.previous or TaxAmounts()
                row.previous.add(amounts)
    if period.previous:
        for by_key in rows.values():
            for row in by_key.values():
                row.previous = row.previous or TaxAmounts()
    return [
        CurrencyTaxes(code, [rows[code][k] for k in sorted(rows[code]) if _shown(rows[code][k])])
        for code in currencies(rows, currency)
    ]


def _shown(row: TaxRow) -> bool:
    return row.current.any or (row.previous is not None and row.previous.any)


def quarter_days(quarter: str) -> tuple[date, date]:
    """The first and the last day of a quarter written `2026-Q3`."""
    year, number = int(quarter[:4]), int(quarter[-1])
    start = date(year, 3 * number - 2, 1)
    following = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return start, following - timedelta(days=1)


@dataclass
class ReverseChargeSale:
    vat_number: str
    country: str
    amounts: TaxAmounts


@dataclass
class OssCurrency:
    currency: str
    member_states: list[TaxRow]
    reverse_charge: list[ReverseChargeSale]


@dataclass
class OssReturn:
    quarter: str
    start: date
    end: date
    origin: str
    currencies: list[OssCurrency]


def get_oss_return(*, quarter: str, currency: str | None = None) -> OssReturn:
    """The EU one-stop-shop return of a quarter (`2026-Q3`), per currency: the sales to
    consumers (no reverse charge) shipped to a member state other than the shop's origin
    country, per member state and rate; and the reverse-charge sales per buyer VAT number.
    Refunds made in the quarter are taken off it."""
    start, end = quarter_days(quarter)
    origin = get_tax_settings().origin_country.upper()
    period = Period(start=start, end=end, compare="none", previous=None)
    states: dict[str, dict[tuple[str, Decimal], TaxRow]] = defaultdict(dict)
    buyers: dict[str, dict[tuple[str, str], ReverseChargeSale]] = defaultdict(dict)
    for key, amounts in get_taxes(period=period, currency=currency)["current"].items():
        if key.reverse_charge:
            sale = buyers[key.currency].setdefault(
                (key.vat_number, key.country),
                ReverseChargeSale(key.vat_number, key.country, TaxAmounts()),
            )
            sale.amounts.add(amounts)
        elif key.country in EU_VAT_2025 and key.country != origin:
            row = states[key.currency].setdefault(
                (key.country, key.rate), TaxRow(key.country, key.rate, TaxAmounts(), None)
            )
            row.current.add(amounts)
    found = [
        OssCurrency(
            code,
            [states[code][k] for k in sorted(states[code]) if _shown(states[code][k])],
            [buyers[code][k] for k in sorted(buyers[code])],
        )
        for code in currencies([*states, *buyers], currency)
    ]
    return OssReturn(quarter, start, end, origin, found)
