"""Properties of price_cart that hold for any cart, promotions, voucher and tax rules."""

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from mercato.core.money import CENT
from mercato.pricing.pipeline import (
    LineInput,
    PricingInput,
    PromotionInput,
    TaxRules,
    VoucherInput,
    price_cart,
    price_shipping,
)

RATES = {
    ("standard", "DE"): Decimal("0.19"),
    ("reduced", "DE"): Decimal("0.07"),
    ("zero", "DE"): Decimal("0"),
    ("standard", "FR"): Decimal("0.20"),
    ("reduced", "FR"): Decimal("0.055"),
    ("standard", "AT"): Decimal("0.20"),
    ("standard", "CH"): Decimal("0.081"),
    ("standard", "HU"): Decimal("0.27"),
}

money = st.decimals(min_value=0, max_value=100_000, places=2)
percent = st.decimals(min_value=0, max_value=100, places=2)
ids = st.frozensets(st.integers(1, 4), max_size=3)


@st.composite
def lines(draw):
    return LineInput(
        key=str(draw(st.uuids())),
        quantity=draw(st.integers(1, 50)),
        unit_price=draw(money),
        product_id=draw(st.integers(1, 4)),
        tax_class=draw(st.sampled_from(["standard", "reduced", "zero", "books"])),
        category_ids=draw(ids),
        collection_ids=draw(ids),
    )


@st.composite
def promotions(draw):
    kind = draw(st.sampled_from(["percentage", "fixed"]))
    return PromotionInput(
        id=draw(st.integers(1, 1000)),
        name="p",
        kind=kind,
        value=draw(percent if kind == "percentage" else money),
        currency=draw(st.sampled_from(["", "EUR", "USD"])),
        product_ids=draw(ids),
        category_ids=draw(ids),
        collection_ids=draw(ids),
    )


@st.composite
def vouchers(draw):
    kind = draw(st.sampled_from(["percentage", "fixed", "free_shipping"]))
    return VoucherInput(
        id=1,
        code="V",
        kind=kind,
        value=draw(percent if kind == "percentage" else money),
        applies_to=draw(st.sampled_from(["order", "specific"])),
        product_ids=draw(ids),
        category_ids=draw(ids),
        min_subtotal=draw(st.sampled_from([Decimal("0"), Decimal("50")])),
        min_quantity=draw(st.integers(0, 3)),
        combine_with_promotions=draw(st.booleans()),
    )


@st.composite
def carts(draw):
    return PricingInput(
        currency="EUR",
        lines=tuple(draw(st.lists(lines(), min_size=0, max_size=8))),
        tax=TaxRules(
            origin_country=draw(st.sampled_from(["DE", "DE", "CH"])),
            rates=RATES,
            prices_include_tax=draw(st.booleans()),
            tax_shipping=draw(st.booleans()),
            shipping_tax_class=draw(st.sampled_from(["standard", "reduced"])),
            oss_threshold_exceeded=draw(st.booleans()),
            reverse_charge_requires_destination_country=draw(st.booleans()),
        ),
        promotions=tuple(draw(st.lists(promotions(), max_size=3))),
        voucher=draw(st.none() | vouchers()),
        shipping_price=draw(st.none() | money),
        country=draw(st.sampled_from([None, "DE", "FR", "AT", "HU", "US", "CH"])),
        vat_number=draw(
            st.sampled_from(
                ["", "FR40303265045", "DE136695976", "ATU1", "HU12892312", "IT00743110157"]
            )
        ),
    )


def cents(amount: Decimal) -> bool:
    return amount == amount.quantize(CENT)


@settings(max_examples=200, deadline=None)
@given(carts())
def test_no_amount_is_ever_negative_or_finer_than_a_cent(inp):
    result = price_cart(inp)

    amounts = [result.total, result.net, result.tax, result.subtotal, result.voucher_discount]
    for part in [*result.lines, result.shipping]:
        amounts += [part.net, part.tax, part.gross, part.total]
    assert all(a >= 0 and cents(a) for a in amounts)


@settings(max_examples=200, deadline=None)
@given(carts())
def test_a_discount_never_exceeds_what_it_discounts(inp):
    result = price_cart(inp)

    for x in result.lines:
        assert 0 <= x.promotion_discount <= x.unit_price * x.quantity
        assert 0 <= x.voucher_discount <= x.subtotal
        assert x.total == x.subtotal - x.voucher_discount
    assert 0 <= result.shipping.discount <= result.shipping.price
    assert result.voucher_discount <= result.subtotal + result.shipping.price
    if not result.voucher_applied:
        assert result.voucher_discount == 0


@settings(max_examples=200, deadline=None)
@given(carts())
def test_lines_add_up_to_the_order_exactly(inp):
    result = price_cart(inp)
    parts = [*result.lines, result.shipping]

    assert sum((p.gross for p in parts), Decimal(0)) == result.total
    assert sum((p.net for p in parts), Decimal(0)) == result.net
    assert sum((p.tax for p in parts), Decimal(0)) == result.tax
    assert result.net + result.tax == result.total
    assert sum((t.tax for t in result.taxes), Decimal(0)) == result.tax
    assert sum((x.subtotal for x in result.lines), Decimal(0)) == result.subtotal


@settings(max_examples=200, deadline=None)
@given(carts())
def test_gross_is_net_plus_tax_on_every_line(inp):
    result = price_cart(inp)

    for part in [*result.lines, result.shipping]:
        assert part.gross == part.net + part.tax
        if inp.tax.prices_include_tax and not result.legal_note:
            assert part.gross == part.total  # the entered price is what the consumer pays


@settings(max_examples=200, deadline=None)
@given(carts(), percent)
def test_an_order_voucher_takes_exactly_its_amount_when_every_line_is_eligible(inp, value):
    inp = PricingInput(
        currency=inp.currency,
        lines=inp.lines,
        tax=inp.tax,
        voucher=VoucherInput(id=1, code="V", kind="percentage", value=value),
    )
    result = price_cart(inp)

    expected = (result.subtotal * value / 100).quantize(CENT, rounding="ROUND_HALF_UP")
    assert sum((x.voucher_discount for x in result.lines), Decimal(0)) == expected


@settings(max_examples=300, deadline=None)
@given(carts())
def test_subtotal_less_discount_plus_shipping_is_the_total_to_the_cent(inp):
    result = price_cart(inp)
    totals = result.totals

    on_top = Decimal(0) if totals.tax_included else totals.tax
    assert totals.subtotal - totals.discount + totals.shipping + on_top == totals.total
    assert (totals.total, totals.tax) == (result.total, result.tax)
    amounts = [totals.subtotal, totals.promotion_discount, totals.discount, totals.shipping]
    assert all(a >= 0 and cents(a) for a in amounts)
    assert totals.discount <= totals.subtotal + totals.shipping
    if not result.voucher_applied:
        assert totals.discount == 0
    if not result.legal_note:  # not zero-rated: the stated amounts are the entered ones
        assert totals.subtotal == result.subtotal
        assert totals.shipping == result.shipping.price
        assert totals.discount == result.voucher_discount


@settings(max_examples=200, deadline=None)
@given(carts(), money, st.sampled_from([None, "standard", "reduced", "zero"]))
def test_a_shipping_quote_costs_what_choosing_it_charges(inp, price, tax_class):
    result = price_cart(inp)

    quote = price_shipping(inp, result, price, tax_class)
    chosen = price_cart(replace(inp, shipping_price=price, shipping_tax_class=tax_class))

    assert quote == chosen.shipping
    assert chosen.totals.shipping == quote.stated_price


@settings(max_examples=200, deadline=None)
@given(carts())
def test_reverse_charge_needs_a_number_of_the_destination_by_default(inp):
    result = price_cart(inp)

    if result.reverse_charge:
        assert inp.vat_number
        assert inp.vat_number[:2] != inp.tax.origin_country
        if inp.tax.reverse_charge_requires_destination_country:
            assert inp.vat_number[:2] == (inp.country or "")
        assert result.reverse_charge_refused == ""
        assert result.tax == 0
