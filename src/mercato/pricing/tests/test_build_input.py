"""build_pricing_input loads what the pipeline needs from the database; priced end to end."""

from decimal import Decimal

import pytest

from mercato.audit.services import SYSTEM
from mercato.catalog.tests.factories import (
    make_category,
    make_collection,
    make_product,
    make_product_type,
)
from mercato.core.errors import DomainError
from mercato.pricing import services
from mercato.pricing.models import TaxClass
from mercato.pricing.pipeline import price_cart
from mercato.pricing.selectors import CartLineSpec, build_pricing_input
from mercato.pricing.tests.conftest import D, ago, make_promotion, make_voucher
from mercato.pricing.vat import REVERSE_CHARGE_NOTE


@pytest.fixture
def shop(eu_vat):
    """A tee (20.00) deep in clothing/tops/shirts and a novel (15.00, reduced rate) in the
    summer collection; 25 % off clothing, 3.00 off each summer item."""
    clothing = make_category("Clothing")
    shirts = make_category("Shirts", parent=make_category("Tops", parent=clothing))
    books = make_product_type("Books")
    services.set_product_type_tax_class(
        actor=SYSTEM, product_type=books, tax_class=TaxClass.objects.get(slug="reduced")
    )
    tee = make_product("Tee", category=shirts, prices=["20.00"])
    novel = make_product("Novel", product_type=books, prices=["15.00"])
    summer = make_collection("Summer", [novel])
    make_promotion(name="Clothing sale", value="25", category_ids=[clothing.pk])
    make_promotion(name="Summer", kind="fixed", value="3.00", collection_ids=[summer.pk])
    make_promotion(
        name="Over",
        value="90",
        category_ids=[clothing.pk],
        ends_at=None,
        starts_at=ago(days=9),
        is_active=False,
    )
    return tee.variants.get(), novel.variants.get()


def spec(tee, novel, tees: int = 2) -> list[CartLineSpec]:
    return [CartLineSpec("tee", tee.pk, tees), CartLineSpec("novel", novel.pk, 1)]


def test_a_cart_is_priced_with_promotions_voucher_shipping_and_tax(shop):
    tee, novel = shop
    make_voucher("TENOFF", kind="fixed", value="10.00")

    inp = build_pricing_input(
        lines=spec(tee, novel), country="DE", voucher_code="tenoff", shipping_price=D("4.90")
    )
    result = price_cart(inp)

    by_key = {x.key: x for x in result.lines}
    assert by_key["tee"].unit_price_discounted == D("15.00")  # 25 % off via a parent category
    assert by_key["novel"].unit_price_discounted == D("12.00")  # 3.00 off via the collection
    assert result.subtotal == D("42.00")
    # 10.00 x 30/42 = 7.14; the novel takes the rest
    assert (by_key["tee"].voucher_discount, by_key["novel"].voucher_discount) == (
        D("7.14"),
        D("2.86"),
    )
    # 22.86 at 19 %, 9.14 at 7 % (books), shipping 4.90 at 19 %
    assert (by_key["tee"].net, by_key["tee"].tax) == (D("19.21"), D("3.65"))
    assert (by_key["novel"].tax_rate, by_key["novel"].net, by_key["novel"].tax) == (
        D("0.0700"),
        D("8.54"),
        D("0.60"),
    )
    assert (result.shipping.net, result.shipping.tax) == (D("4.12"), D("0.78"))
    assert (result.total, result.tax, result.currency) == (D("36.90"), D("5.03"), "EUR")


def test_the_voucher_minimum_is_checked_against_the_subtotal_after_promotions(shop):
    tee, novel = shop
    make_voucher("BIG", min_subtotal="50.00")  # 2 x 20 + 15 = 55 before the sales, 42 after

    with pytest.raises(DomainError) as refused:
        build_pricing_input(lines=spec(tee, novel), voucher_code="BIG")

    assert refused.value.code == "voucher_min_subtotal"


def test_a_business_in_another_eu_country_gets_reverse_charge(shop):
    tee, novel = shop

    inp = build_pricing_input(lines=spec(tee, novel), country="fr", vat_number="fr 40303265045")
    result = price_cart(inp)

    assert inp.vat_number == "FR40303265045"
    assert result.legal_note == REVERSE_CHARGE_NOTE
    assert result.tax == D("0.00")


def test_the_destination_rates_apply_above_the_oss_threshold(shop):
    tee, novel = shop
    services.update_tax_settings(
        actor=SYSTEM, details=services.TaxSettingsDetails(oss_threshold_exceeded=True)
    )

    result = price_cart(build_pricing_input(lines=spec(tee, novel), country="FR"))

    assert [(x.key, x.tax_country, x.tax_rate) for x in result.lines] == [
        ("tee", "FR", Decimal("0.2000")),
        ("novel", "FR", Decimal("0.0550")),
    ]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"country": "XX"}, "invalid_country"),
        ({"vat_number": "DE123"}, "invalid_vat_number"),
        ({"voucher_code": "NOPE"}, "voucher_not_found"),
        ({"currency": "USD"}, "currency_mismatch"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code(shop, kwargs, code):
    tee, novel = shop

    with pytest.raises(DomainError) as refused:
        build_pricing_input(lines=spec(tee, novel), **kwargs)

    assert refused.value.code == code


def test_an_unknown_variant_is_refused(shop):
    with pytest.raises(DomainError) as refused:
        build_pricing_input(lines=[CartLineSpec("ghost", 999_999, 1)])

    assert refused.value.code == "variant_not_found"


def test_loading_takes_the_same_number_of_queries_for_3_or_30_lines(
    eu_vat, django_assert_max_num_queries
):
    category = make_category("Clothing")
    variants = list(make_product("Many", category=category, prices=["5.00"] * 30).variants.all())
    make_promotion(category_ids=[category.pk])
    make_voucher("SAVE10")

    def load(count: int):
        lines = [CartLineSpec(str(v.pk), v.pk, 1) for v in variants[:count]]
        return build_pricing_input(lines=lines, country="FR", voucher_code="SAVE10")

    # the first load also reads the store-wide rules again (the promotion just made changed
    # their version): the version, tax settings, rates, product types' tax classes,
    # promotions and their 3 target lists
    with django_assert_max_num_queries(14):
        assert len(load(3).lines) == 3
    # then only the version is read of them
    with django_assert_max_num_queries(7):
        assert len(load(30).lines) == 30
    with django_assert_max_num_queries(7):
        assert len(load(3).lines) == 3
