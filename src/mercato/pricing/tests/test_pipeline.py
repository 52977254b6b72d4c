"""price_cart with hand-checked numbers (no database)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mercato.pricing.pipeline import PromotionInput, VoucherInput, price_cart
from mercato.pricing.tests.conftest import D, cart, line, rules
from mercato.pricing.vat import EXPORT_NOTE, REVERSE_CHARGE_NOTE

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def promotion(id: int = 1, kind: str = "percentage", value: str = "10", **kw) -> PromotionInput:
    kw.setdefault("product_ids", frozenset({1}))
    return PromotionInput(id=id, name=f"promo {id}", kind=kind, value=D(value), **kw)


def voucher(kind: str = "fixed", value: str = "5", **kw) -> VoucherInput:
    return VoucherInput(id=7, code="SAVE", kind=kind, value=D(value), **kw)


def test_promotion_then_voucher_spread_in_proportion_with_gross_prices():
    # given 2 x 10.00 with 10 % off (product 1) and 1 x 5.00; a 5.00 voucher on the order
    inp = cart(
        line("a", "10.00", 2, product_id=1),
        line("b", "5.00", 1, product_id=2),
        promotions=(promotion(),),
        voucher=voucher(),
    )

    result = price_cart(inp)

    a, b = result.lines
    assert (a.unit_price_discounted, a.promotion_discount, a.subtotal) == (
        D("9.00"),
        D("2.00"),
        D("18.00"),
    )
    assert result.subtotal == D("23.00")
    # 5.00 x 18/23 = 3.913 -> 3.91; the last line takes the rest: 1.09
    assert (a.voucher_discount, b.voucher_discount) == (D("3.91"), D("1.09"))
    assert (a.total, b.total) == (D("14.09"), D("3.91"))
    # gross prices, DE 19 %: 14.09 / 1.19 = 11.840 -> 11.84; 3.91 / 1.19 = 3.286 -> 3.29
    assert (a.net, a.tax, a.gross) == (D("11.84"), D("2.25"), D("14.09"))
    assert (b.net, b.tax, b.gross) == (D("3.29"), D("0.62"), D("3.91"))
    assert (result.net, result.tax, result.total) == (D("15.13"), D("2.87"), D("18.00"))
    assert result.voucher_discount == D("5.00")
    assert result.promotion_discount == D("2.00")
    assert result.voucher_applied and result.currency == "EUR"


def test_without_combining_a_voucher_skips_lines_a_promotion_discounted():
    inp = cart(
        line("a", "10.00", 2, product_id=1),
        line("b", "5.00", 1, product_id=2),
        promotions=(promotion(),),
        voucher=voucher("percentage", "10", combine_with_promotions=False),
    )

    result = price_cart(inp)

    assert [x.voucher_discount for x in result.lines] == [D("0.00"), D("0.50")]
    assert result.total == D("22.50")


def test_a_voucher_for_one_category_discounts_only_its_lines():
    # category 12 is a subcategory of 10: the line's category_ids hold both
    inp = cart(
        line("shirt", "20.00", category_ids=frozenset({10, 12})),
        line("mug", "10.00", product_id=2, category_ids=frozenset({30})),
        voucher=voucher("percentage", "50", applies_to="specific", category_ids=frozenset({10})),
    )

    result = price_cart(inp)

    assert [x.voucher_discount for x in result.lines] == [D("10.00"), D("0.00")]
    assert result.total == D("20.00")


def test_a_fixed_voucher_never_takes_more_than_the_eligible_amount():
    inp = cart(line("a", "3.00", 2), voucher=voucher("fixed", "50"), shipping_price=D("4.90"))

    result = price_cart(inp)

    assert result.lines[0].voucher_discount == D("6.00")
    assert result.lines[0].gross == D("0.00")
    assert result.total == D("4.90")


def test_free_shipping_voucher_makes_shipping_zero_and_leaves_lines_alone():
    inp = cart(line("a", "30.00"), voucher=voucher("free_shipping", "0"), shipping_price=D("5.95"))

    result = price_cart(inp)

    assert result.lines[0].gross == D("30.00")
    assert (result.shipping.price, result.shipping.discount, result.shipping.gross) == (
        D("5.95"),
        D("5.95"),
        D("0.00"),
    )
    assert result.voucher_discount == D("5.95")
    assert result.total == D("30.00")


def test_a_voucher_below_its_minimum_is_not_applied_and_says_why():
    inp = cart(line("a", "30.00"), voucher=voucher(min_subtotal=D("50.00")))

    result = price_cart(inp)

    assert not result.voucher_applied
    assert result.voucher_problem == "voucher_min_subtotal"
    assert result.total == D("30.00")


def test_the_best_promotion_wins_and_a_price_never_goes_below_zero():
    lines = (line("a", "15.00", product_id=1), line("b", "15.00", product_id=2))
    promotions = (
        promotion(1, "percentage", "10", product_ids=frozenset({1, 2})),
        promotion(2, "fixed", "2.00", product_ids=frozenset({1})),
        promotion(3, "fixed", "20.00", product_ids=frozenset({2})),
    )

    result = price_cart(cart(*lines, promotions=promotions))

    assert [(x.unit_price_discounted, x.promotion_id) for x in result.lines] == [
        (D("13.00"), 2),
        (D("0.00"), 3),
    ]


def test_promotions_outside_their_window_or_in_another_currency_do_not_apply():
    promotions = (
        promotion(1, starts_at=datetime(2025, 7, 1, tzinfo=UTC)),
        promotion(2, ends_at=datetime(2025, 6, 1, 12, tzinfo=UTC)),
        promotion(3, "fixed", "1.00", currency="USD"),
        promotion(4, "percentage", "5", collection_ids=frozenset({9}), product_ids=frozenset()),
    )
    inp = cart(line("a", "10.00", collection_ids=frozenset({9})), promotions=promotions, now=NOW)

    result = price_cart(inp)

    assert result.lines[0].promotion_id == 4
    assert result.lines[0].unit_price_discounted == D("9.50")


def test_prices_without_tax_add_tax_per_line():
    inp = cart(
        line("a", "10.00", 3),
        line("b", "2.99", 1, product_id=2, tax_class="reduced"),
        tax=rules(prices_include_tax=False),
    )

    result = price_cart(inp)

    a, b = result.lines
    assert (a.net, a.tax, a.gross) == (D("30.00"), D("5.70"), D("35.70"))
    # 2.99 x 0.07 = 0.2093 -> 0.21
    assert (b.net, b.tax, b.gross) == (D("2.99"), D("0.21"), D("3.20"))
    assert [(t.rate, t.net, t.tax) for t in result.taxes] == [
        (D("0.19"), D("30.00"), D("5.70")),
        (D("0.07"), D("2.99"), D("0.21")),
    ]
    assert result.total == D("38.90")


def test_tax_is_rounded_once_per_line_not_per_unit_or_per_order():
    # three lines of 1.01: 0.1919 -> 0.19 each (0.57; per order it would be 0.58)
    separate = cart(
        *(line(k, "1.01", product_id=i) for i, k in enumerate("abc")),
        tax=rules(prices_include_tax=False),
    )
    # one line of 3 x 1.01 = 3.03: 0.5757 -> 0.58 (per unit it would be 0.57)
    together = cart(line("a", "1.01", 3), tax=rules(prices_include_tax=False))

    assert price_cart(separate).tax == D("0.57")
    assert price_cart(together).tax == D("0.58")


def test_shipping_is_taxed_with_its_class_or_not_at_all():
    inp = cart(line("a", "11.90"), shipping_price=D("5.95"))
    untaxed = cart(line("a", "11.90"), shipping_price=D("5.95"), tax=rules(tax_shipping=False))

    shipping = price_cart(inp).shipping
    plain = price_cart(untaxed).shipping

    assert (shipping.net, shipping.tax, shipping.gross) == (D("5.00"), D("0.95"), D("5.95"))
    assert (plain.net, plain.tax, plain.gross) == (D("5.95"), D("0.00"), D("5.95"))
    assert price_cart(untaxed).total == D("17.85")


@pytest.mark.parametrize(
    ("oss", "country", "net", "tax"),
    [
        (False, "FR", "10.08", "1.92"),  # below the threshold: DE 19 %
        (True, "FR", "10.00", "2.00"),  # above it: FR 20 %
        (True, "DE", "10.08", "1.92"),  # a domestic sale is always DE
    ],
)
def test_oss_rule_picks_the_origin_or_the_destination_rate(oss, country, net, tax):
    inp = cart(line("a", "12.00"), country=country, tax=rules(oss_threshold_exceeded=oss))

    result = price_cart(inp)

    assert (result.lines[0].net, result.lines[0].tax, result.lines[0].gross) == (
        D(net),
        D(tax),
        D("12.00"),
    )
    assert result.tax_country == ("FR" if oss and country == "FR" else "DE")


def test_reverse_charge_for_an_eu_business_removes_the_vat_and_carries_the_note():
    inp = cart(
        line("a", "11.90", 2),
        country="FR",
        vat_number="FR40303265045",
        shipping_price=D("5.95"),
    )

    result = price_cart(inp)

    assert result.reverse_charge
    assert result.legal_note == REVERSE_CHARGE_NOTE
    # gross prices hold DE VAT: 23.80 / 1.19 = 20.00 net, no tax
    assert (result.lines[0].net, result.lines[0].tax, result.lines[0].gross) == (
        D("20.00"),
        D("0.00"),
        D("20.00"),
    )
    assert result.shipping.gross == D("5.00")
    assert (result.tax, result.total) == (D("0.00"), D("25.00"))


def test_reverse_charge_with_net_prices_charges_the_net_price():
    inp = cart(
        line("a", "10.00"),
        country="AT",
        vat_number="ATU13585627",
        tax=rules(prices_include_tax=False, oss_threshold_exceeded=True),
    )

    result = price_cart(inp)

    assert result.reverse_charge
    assert (result.tax, result.total) == (D("0.00"), D("10.00"))


@pytest.mark.parametrize(
    ("country", "vat_number"),
    [
        ("DE", "FR40303265045"),  # the goods stay in the origin country
        ("FR", "DE136695976"),  # a VAT number of the origin country
        ("FR", "FR123"),  # not a VAT number
    ],
)
def test_no_reverse_charge_without_an_intra_eu_sale_to_a_foreign_business(country, vat_number):
    inp = cart(line("a", "11.90"), country=country, vat_number=vat_number)

    result = price_cart(inp)

    assert not result.reverse_charge
    assert result.legal_note == ""
    assert (result.lines[0].tax, result.total) == (D("1.90"), D("11.90"))


def test_an_export_outside_the_eu_is_zero_rated_unless_the_shop_has_rates_there():
    export = cart(line("a", "11.90"), country="US")
    swiss = cart(
        line("a", "10.81"),
        country="CH",
        tax=rules(rates={("standard", "CH"): D("0.081"), ("standard", "DE"): D("0.19")}),
    )

    exported, registered = price_cart(export), price_cart(swiss)

    assert exported.legal_note == EXPORT_NOTE
    assert (exported.tax, exported.total) == (D("0.00"), D("10.00"))
    assert (registered.lines[0].net, registered.lines[0].tax) == (D("10.00"), D("0.81"))
    assert registered.legal_note == ""


def test_a_class_without_a_rate_in_the_country_falls_back_to_the_standard_rate():
    inp = cart(line("a", "10.00", tax_class="books"), tax=rules(prices_include_tax=False))

    assert price_cart(inp).lines[0].tax_rate == D("0.19")


def test_many_small_shares_add_up_exactly_and_none_exceeds_its_line():
    lines = [line(str(i), "1.00", product_id=i) for i in range(10)] + [line("tiny", "0.01")]
    inp = cart(*lines, voucher=voucher("fixed", "0.05"))

    result = price_cart(inp)

    shares = [x.voucher_discount for x in result.lines]
    assert sum(shares) == D("0.05")
    assert all(D("0") <= s <= x.subtotal for s, x in zip(shares, result.lines, strict=True))


def test_the_input_refuses_impossible_values():
    with pytest.raises(ValueError):
        line("a", "-1.00")
    with pytest.raises(ValueError):
        line("a", "1.00", 0)
    with pytest.raises(ValueError):
        voucher("percentage", "101")
    with pytest.raises(ValueError):
        rules(rates={("standard", "DE"): Decimal("1.5")})
