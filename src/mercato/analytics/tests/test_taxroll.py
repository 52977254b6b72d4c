"""The tax roll-ups (`RefundTaxPart`, `DailyTax`) against the tax reports' former reading of
the facts (refunds split over the rates at read time, copied below as the reference), on a
history of orders with lines at several rates and refunds, whole or in parts, in and out of
the windows; an order's refresh sums only its days again, and the rebuild writes the same."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, F, Q, Sum

from mercato.analytics.models import (
    DailyTax,
    OrderFact,
    OrderLineFact,
    RefundFact,
    RefundTaxPart,
)
from mercato.analytics.reports import taxes
from mercato.analytics.reports.common import cents, per_window, ranges, scope, windows
from mercato.analytics.reports.taxes import (
    ORDER_KEYS,
    TaxAmounts,
    Taxes,
    _key,
    get_oss_return,
    get_tax_rows,
    split_refund,
)
from mercato.analytics.selectors import get_period
from mercato.analytics.services import rebuild_analytics
from mercato.analytics.tests.history import Line, cancel, pay, place, refund
from mercato.analytics.tests.reports import berlin
from mercato.orders.models import Order
from tests.support import run_tasks

D = Decimal


def old_taxes(*, period, currency=None) -> Taxes:
    """The tax reports' former `get_taxes`: lines, shipping and refunds read from the facts,
    each refund split over its order's rates here."""
    spans = windows(period)
    found: Taxes = {window: defaultdict(TaxAmounts) for window in spans}
    facts = Q(counted=True) & scope(period, currency)
    order_keys = {alias: f"order__{path}" for alias, path in ORDER_KEYS.items()}
    lines = per_window(
        OrderLineFact.objects.filter(facts),
        keys={**order_keys, "vat_rate": "tax_rate"},
        sums={"taxable": (Sum, "net"), "tax": (Sum, "tax")},
        spans=spans,
    )
    shipping = per_window(
        OrderFact.objects.filter(facts),
        keys={**ORDER_KEYS, "vat_rate": "shipping_tax_rate"},
        sums={
            "orders": (Count, "pk"),
            "taxable": (Sum, "shipping_net"),
            "tax": (Sum, "shipping_tax"),
        },
        spans=spans,
    )
    for row in [*lines, *shipping]:
        for window in spans:
            amounts = found[window][_key(row, row["vat_rate"])]
            amounts.orders += row.get(f"orders_{window}") or 0
            amounts.taxable += cents(row[f"taxable_{window}"])
            amounts.tax += cents(row[f"tax_{window}"])
    refunds: list[dict[str, Any]] = list(
        RefundFact.objects.filter(facts)
        .values(
            "order_id",
            "currency",
            "day",
            "amount",
            rate=F("order__shipping_tax_rate"),
            shipped=F("order__shipping_net") + F("order__shipping_tax"),
            **{alias: F(f"order__{path}") for alias, path in ORDER_KEYS.items()},
        )
        .order_by("pk")
    )
    charged: dict[int, dict[Decimal, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in (
        OrderLineFact.objects.filter(order_id__in={r["order_id"] for r in refunds})
        .values("order_id", "tax_rate")
        .annotate(net=Sum("net"), tax=Sum("tax"))
        .order_by()
    ):
        charged[line["order_id"]][line["tax_rate"]] += cents(line["net"]) + cents(line["tax"])
    for r in refunds:
        rates = dict(charged[r["order_id"]])
        rates[r["rate"]] = rates.get(r["rate"], D("0.00")) + cents(r["shipped"])
        for window, (first, last) in ranges(period).items():
            if first <= r["day"] <= last:
                for rate, part in split_refund(r["amount"], rates).items():
                    amounts = found[window][_key(r, rate)]
                    amounts.taxable -= part.taxable
                    amounts.tax -= part.tax
    return found


def at_rates(order: Order, *rates: str) -> Order:
    """The order's lines, in order, at these rates instead (the tax taken out of the same
    gross amount), as a checkout with reduced-rate goods states them."""
    for line, rate in zip(order.lines.order_by("pk"), rates, strict=False):
        gross = line.total_net + line.total_tax
        tax = (gross * D(rate) / (1 + D(rate))).quantize(D("0.01"))
        type(line).objects.filter(pk=line.pk).update(
            tax_rate=D(rate), total_tax=tax, total_net=gross - tax
        )
    return order


@pytest.fixture
def history(db):
    """March and April 2026: a German order at 19 % and 7 % (shipping at 19 %) refunded 30.00
    on 10 March and 0.01 on 20 March; a French one at 20 %, 5.5 % and 2.1 % refunded 40.00 in
    April; a reverse-charge Austrian sale refunded in part; a USD order at two rates refunded
    whole; an order that charged nothing (not paid); a cancelled one (not counted)."""
    de = at_rates(
        place(at=berlin(2026, 3, 3, 12), lines=[Line("100.00"), Line("50.00")], shipping="5.00"),
        "0.19",
        "0.07",
    )
    fr = at_rates(
        place(
            at=berlin(2026, 3, 5, 12),
            lines=[Line("120.00"), Line("21.10", 2), Line("10.21")],
            shipping="0",
            country="FR",
            tax_rate="0.20",
        ),
        "0.20",
        "0.055",
        "0.021",
    )
    at = place(
        at=berlin(2026, 3, 8, 12),
        lines=[Line("200.00")],
        country="AT",
        tax_rate="0",
        vat_number="ATU12345678",
    )
    usd = at_rates(
        place(
            at=berlin(2026, 3, 9, 12),
            currency="USD",
            lines=[Line("30.00"), Line("9.99")],
            shipping="4.99",
            country="US",
            tax_rate="0.08",
        ),
        "0.08",
        "0",
    )
    free = place(
        at=berlin(2026, 3, 12, 12), lines=[Line("0")], shipping="0", country="NL", tax_rate="0.21"
    )
    italian = place(
        at=berlin(2026, 3, 15, 12), lines=[Line("240.00")], country="IT", tax_rate="0.22"
    )
    for order in (de, fr, at, usd, italian):
        pay(order)
    refund(de, "30.00", at=berlin(2026, 3, 10, 9))
    refund(de, "0.01", at=berlin(2026, 3, 20, 9))
    refund(fr, "40.00", at=berlin(2026, 4, 2, 9))
    refund(at, "50.00", at=berlin(2026, 3, 9, 9))
    refund(usd, "44.98", at=berlin(2026, 3, 11, 9))
    cancel(italian)
    run_tasks()
    return {"de": de, "fr": fr, "at": at, "usd": usd, "free": free}


def parts(refund_of: Order) -> dict[Decimal, tuple[Decimal, Decimal]]:
    found = RefundTaxPart.objects.filter(order_id=refund_of.pk).order_by("day", "rate")
    return {p.rate: (p.taxable, p.tax) for p in found}


def test_each_refund_is_stored_split_over_its_orders_rates(history):
    # 30.00 over 105.00 at 19 % (lines and shipping) and 50.00 at 7 %: 9.68 at 7 %, the rest
    # 20.32 at 19 %; the 0.01 all at 19 % (the largest part takes what rounding leaves)
    de = RefundTaxPart.objects.filter(order_id=history["de"].pk, day=date(2026, 3, 10))
    assert {p.rate: (p.taxable, p.tax) for p in de} == {
        D("0.07"): (D("9.05"), D("0.63")),
        D("0.19"): (D("17.08"), D("3.24")),
    }
    last = RefundTaxPart.objects.filter(order_id=history["de"].pk, day=date(2026, 3, 20))
    assert {p.rate: (p.taxable, p.tax) for p in last} == {
        D("0.07"): (D("0.00"), D("0.00")),
        D("0.19"): (D("0.01"), D("0.00")),
    }
    # 40.00 over 120.00 at 20 %, 42.20 at 5.5 %, 10.21 at 2.1 %: 2.37, 9.79 and the rest 27.84
    assert parts(history["fr"]) == {
        D("0.021"): (D("2.32"), D("0.05")),
        D("0.055"): (D("9.28"), D("0.51")),
        D("0.20"): (D("23.20"), D("4.64")),
    }
    assert parts(history["at"]) == {D("0"): (D("50.00"), D("0.00"))}
    # nothing charged, nothing refunded: no part
    assert parts(history["free"]) == {}


@pytest.mark.parametrize(
    ("start", "end", "compare", "currency"),
    [
        (date(2026, 3, 1), date(2026, 3, 31), "previous_period", None),
        (date(2026, 4, 1), date(2026, 4, 30), "previous_period", "EUR"),
        (date(2026, 3, 1), date(2026, 4, 30), "none", None),
        (date(2026, 3, 11), date(2026, 3, 11), "none", "USD"),  # the refund only
        (date(2026, 3, 9), date(2026, 3, 9), "previous_year", "USD"),  # the sale only
    ],
)
def test_the_tax_rows_equal_the_former_reading_of_the_facts(
    history, monkeypatch, start, end, compare, currency
):
    period = get_period(start=start, end=end, compare=compare)
    now = get_tax_rows(period=period, currency=currency)
    monkeypatch.setattr(taxes, "get_taxes", old_taxes)
    assert now == get_tax_rows(period=period, currency=currency)
    assert any(row.current.any for block in now for row in block.rows)


@pytest.mark.parametrize("quarter", ["2026-Q1", "2026-Q2"])
def test_the_oss_return_equals_the_former_reading_of_the_facts(history, monkeypatch, quarter):
    now = get_oss_return(quarter=quarter)
    monkeypatch.setattr(taxes, "get_taxes", old_taxes)
    assert now == get_oss_return(quarter=quarter)


def test_the_former_reading_and_the_answer_agree_in_bytes(api, analyst_token, history, monkeypatch):
    params = {"from": "2026-03-01", "to": "2026-04-30", "compare": "previous_year"}
    paths = ["/api/admin/analytics/taxes", "/api/admin/analytics/taxes/oss"]
    now = [api.get_json(paths[0], params, token=analyst_token).content]
    now.append(api.get_json(paths[1], {"quarter": "2026-Q1"}, token=analyst_token).content)
    monkeypatch.setattr(taxes, "get_taxes", old_taxes)
    assert now == [
        api.get_json(paths[0], params, token=analyst_token).content,
        api.get_json(paths[1], {"quarter": "2026-Q1"}, token=analyst_token).content,
    ]


def daily_taxes() -> dict[date, list[tuple]]:
    found: dict[date, list[tuple]] = defaultdict(list)
    for row in DailyTax.objects.values_list(
        "day",
        "currency",
        "country",
        "rate",
        "reverse_charge",
        "vat_number",
        "orders",
        "taxable",
        "tax",
    ):
        found[row[0]].append(row)
    return {day: sorted(rows) for day, rows in found.items()}


def test_an_orders_refresh_sums_only_its_days_again(history):
    before = daily_taxes()
    others = list(RefundTaxPart.objects.exclude(order_id=history["fr"].pk).values().order_by("pk"))
    refund(history["fr"], "10.00", at=berlin(2026, 3, 10, 18))
    run_tasks()
    after = daily_taxes()
    assert {day for day in before | after if before.get(day) != after.get(day)} == {
        date(2026, 3, 10)
    }
    # the German refund of that day and now the French one's parts, taken off
    french = [r for r in after[date(2026, 3, 10)] if r[2] == "FR"]
    assert [(r[3], r[7], r[8]) for r in french] == [
        (D("0.0210"), D("-0.58"), D("-0.01")),
        (D("0.0550"), D("-2.32"), D("-0.13")),
        (D("0.2000"), D("-5.80"), D("-1.16")),
    ]
    # the other orders' parts were not written again
    assert (
        list(RefundTaxPart.objects.exclude(order_id=history["fr"].pk).values().order_by("pk"))
        == others
    )


def test_the_rebuild_writes_the_parts_and_roll_ups_the_events_wrote(history):
    events = daily_taxes()
    parts_of = lambda: sorted(  # noqa: E731
        RefundTaxPart.objects.values_list(
            "refund_id", "order_id", "day", "currency", "rate", "taxable", "tax"
        )
    )
    written = parts_of()
    # 2 + 2 German, 3 French, 1 Austrian, 2 USD and the cancelled order's refund (not counted)
    assert len(written) == 11
    rebuild_analytics()
    assert (daily_taxes(), parts_of()) == (events, written)
