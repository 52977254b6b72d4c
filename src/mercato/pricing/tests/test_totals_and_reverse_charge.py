"""The one set of totals (`PricingResult.totals`), what a shipping method will really cost
(`price_shipping`), and when a VAT number gives reverse charge (issue 10)."""

from dataclasses import replace

import pytest

from mercato.pricing.pipeline import VoucherInput, price_cart, price_shipping
from mercato.pricing.tests.conftest import D, cart, line, rules
from mercato.pricing.vat import EXPORT_NOTE, REVERSE_CHARGE_NOTE


def test_an_export_with_gross_prices_states_every_total_without_the_origin_s_vat():
    # given: a shop in DE with prices incl. 19 %; 2 x 11.90 and 12.90 shipping to GB (no
    # GB rates: an export, zero-rated)
    inp = cart(line("a", "11.90", 2), country="GB", shipping_price=D("12.90"))

    result = price_cart(inp)

    # then: 23.80 / 1.19 = 20.00, 12.90 / 1.19 = 10.84; the totals say what is charged
    assert result.legal_note == EXPORT_NOTE
    totals = result.totals
    assert (totals.subtotal, totals.discount, totals.shipping, totals.tax, totals.total) == (
        D("20.00"),
        D("0.00"),
        D("10.84"),
        D("0.00"),
        D("30.84"),
    )
    assert result.shipping.gross == totals.shipping == D("10.84")


def test_a_listed_shipping_method_costs_what_the_order_charges():
    inp = cart(line("a", "11.90"), country="GB")
    result = price_cart(inp)

    quote = price_shipping(inp, result, D("12.90"))
    charged = price_cart(replace(inp, shipping_price=D("12.90")))

    assert (quote.stated_price, quote.tax, quote.gross) == (D("10.84"), D("0.00"), D("10.84"))
    assert quote == charged.shipping


def test_a_listed_method_is_free_when_the_voucher_gives_free_shipping():
    inp = cart(
        line("a", "11.90"),
        shipping_price=None,
        voucher=VoucherInput(id=1, code="FREE", kind="free_shipping"),
    )
    result = price_cart(inp)

    quote = price_shipping(inp, result, D("4.90"))

    assert (quote.stated_price, quote.stated_discount, quote.gross) == (
        D("4.90"),
        D("4.90"),
        D("0.00"),
    )


@pytest.mark.parametrize("prices_include_tax", [True, False])
def test_subtotal_less_discount_plus_shipping_is_the_total(prices_include_tax):
    # given: 2 x 20.00 and a 10.00 voucher, 4.90 shipping in DE
    inp = cart(
        line("a", "20.00", 2),
        shipping_price=D("4.90"),
        voucher=VoucherInput(id=1, code="TEN", kind="fixed", value=D("10.00")),
        tax=rules(prices_include_tax=prices_include_tax),
    )

    totals = price_cart(inp).totals

    assert (totals.subtotal, totals.discount, totals.shipping) == (
        D("40.00"),
        D("10.00"),
        D("4.90"),
    )
    added = D("0") if prices_include_tax else totals.tax
    assert totals.subtotal - totals.discount + totals.shipping + added == totals.total
    assert totals.tax_included is prices_include_tax


# --- reverse charge -------------------------------------------------------------------------


def test_an_italian_vat_number_shipped_to_france_pays_vat_and_says_why():
    inp = cart(line("a", "11.90"), country="FR", vat_number="IT00743110157")

    result = price_cart(inp)

    assert not result.reverse_charge
    assert result.reverse_charge_refused == "vat_number_not_destination"
    assert result.legal_note == ""
    assert (result.tax, result.total) == (D("1.90"), D("11.90"))


def test_a_french_vat_number_shipped_to_france_gets_reverse_charge():
    inp = cart(line("a", "11.90"), country="FR", vat_number="FR40303265045")

    result = price_cart(inp)

    assert result.reverse_charge
    assert result.reverse_charge_refused == ""
    assert result.legal_note == REVERSE_CHARGE_NOTE
    assert (result.tax, result.total) == (D("0.00"), D("10.00"))


def test_the_setting_may_accept_a_number_of_any_other_eu_country():
    relaxed = rules(reverse_charge_requires_destination_country=False)
    inp = cart(line("a", "11.90"), country="FR", vat_number="IT00743110157", tax=relaxed)

    result = price_cart(inp)

    assert result.reverse_charge
    assert result.reverse_charge_refused == ""


@pytest.mark.parametrize(
    ("country", "vat_number", "reason"),
    [
        ("FR", "DE136695976", "vat_number_origin_country"),
        ("DE", "FR40303265045", "reverse_charge_domestic"),
        ("FR", "FR123", "invalid_vat_number"),
        ("FR", "", ""),
        ("US", "FR40303265045", ""),  # an export is zero-rated anyway
    ],
)
def test_why_a_vat_number_gives_no_reverse_charge(country, vat_number, reason):
    result = price_cart(cart(line("a", "11.90"), country=country, vat_number=vat_number))

    assert not result.reverse_charge
    assert result.reverse_charge_refused == reason
