"""Issue 10: what a cart lists is what the order charges, one set of totals with one meaning
on the cart, the order API, the invoice and the email, and reverse charge only for a VAT
number of the destination country (unless the tax settings relax it)."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core import mail

from mercato.audit.services import SYSTEM
from mercato.checkout.tests.conftest import (
    CARTS,
    D,
    address,
    complete,
    filled_cart,
    make_voucher,
    patch,
)
from mercato.orders.invoices import render_invoice_pdf
from mercato.orders.models import Order
from mercato.orders.tests.test_invoices import pdf_text
from mercato.pricing import services as pricing_services
from mercato.shipping import services as shipping_services
from mercato.shipping.demo import demo_zones
from tests.support import run_tasks

GB = {"postal_code": "SW1A 1AA", "city": "London"}


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def amount(value: dict[str, str]) -> Decimal:
    return Decimal(value["amount"])


@pytest.fixture
def uk(shop):
    """The demo setup's UK zone: "Standard UK", 12.90 up to 2 kg (prices include tax)."""
    name, countries, methods = next(z for z in demo_zones() if z[0] == "UK")
    zone = shipping_services.save_zone(
        actor=SYSTEM,
        changes=shipping_services.ShippingZoneChanges(
            name=name, countries=countries, is_active=True
        ),
    )
    (fields, rates), *_ = methods
    return shipping_services.save_method(actor=SYSTEM, zone=zone, changes=fields, rates=rates)


def gb_cart(api, shop, uk, **changes) -> str:
    cart = filled_cart(api, shop, country="DE", lines=((0, 2), (1, 1)), **changes)
    response = patch(
        api,
        cart,
        {"shipping_address": address("GB", **GB), "shipping_method_id": str(uk.public_id)},
    )
    assert response.status_code == 200, response.content
    return cart


# --- 1. a quote shows what will be charged --------------------------------------------------


def test_a_gb_cart_lists_shipping_at_what_the_order_charges(api, shop, uk):
    # given: a GB cart (an export from DE, zero-rated: no GB rates), Standard UK 12.90
    cart = gb_cart(api, shop, uk)

    # when
    listed = api.get_json(f"{CARTS}/{cart}/shipping-methods").json()
    shown = api.get_json(f"{CARTS}/{cart}").json()
    order = Order.objects.get(public_id=complete(api, cart).json()["id"])

    # then: 12.90 holds 19 % German VAT, which an export does not charge: 10.84 everywhere
    (method,) = listed
    assert method["name"] == "Standard UK"
    assert (method["price"], method["tax"], method["total"]) == (
        money("10.84"),
        money("0.00"),
        money("10.84"),
    )
    assert shown["shipping_method"]["price"] == shown["totals"]["shipping"] == money("10.84")
    assert (order.shipping_gross, order.shipping_tax) == (D("10.84"), D("0.00"))
    assert order.shipping_price == D("10.84")
    # the lines too: 30.00 / 1.19 = 25.21, 15.00 / 1.07 = 14.02
    assert shown["totals"]["subtotal"] == money("39.23")
    assert shown["totals"]["total"] == money(str(order.total_gross)) == money("50.07")


def test_a_listed_method_shows_the_free_shipping_a_voucher_gives(api, shop):
    make_voucher("SHIPFREE", kind="free_shipping", value="0")
    cart = filled_cart(api, shop, lines=((1, 1),), voucher_code="SHIPFREE")

    (method,) = api.get_json(f"{CARTS}/{cart}/shipping-methods").json()

    assert (method["price"], method["discount"], method["total"]) == (
        money("4.90"),
        money("4.90"),
        money("0.00"),
    )


def test_a_shop_with_net_prices_lists_shipping_with_its_tax_on_top(api, shop):
    pricing_services.update_tax_settings(
        actor=SYSTEM, details=pricing_services.TaxSettingsDetails(prices_include_tax=False)
    )
    cart = filled_cart(api, shop, lines=((1, 1),))

    (method,) = api.get_json(f"{CARTS}/{cart}/shipping-methods").json()
    order = Order.objects.get(public_id=complete(api, cart).json()["id"])

    assert (method["price"], method["tax"], method["total"], method["tax_rate"]) == (
        money("4.90"),
        money("0.93"),
        money("5.83"),
        "0.1900",
    )
    assert order.shipping_gross == amount(method["total"])


# --- 2. one set of totals -------------------------------------------------------------------

STATED = ("subtotal", "discount", "shipping", "tax", "total")


def holds(totals: dict) -> bool:
    """subtotal - discount + shipping (+ tax when prices are without tax) = total."""
    on_top = 0 if totals["prices_include_tax"] else amount(totals["tax"])
    left = amount(totals["subtotal"]) - amount(totals["discount"]) + amount(totals["shipping"])
    return left + on_top == amount(totals["total"])


SCENARIOS = {
    # 2 tees 20.00 - 25 % and a novel 15.00 (45.00), 10.00 off, 4.90 to DE: 39.90
    "gross": ({}, {"voucher_code": "TENOFF"}, ("45.00", "10.00", "4.90", "5.26", "39.90")),
    # net prices: 45.00 - 10.00 + 4.90 + tax 6.18 (19 % of 23.33 and 4.90, 7 % of 11.67)
    "net": (
        {"prices_include_tax": False},
        {"voucher_code": "TENOFF"},
        ("45.00", "10.00", "4.90", "6.18", "46.08"),
    ),
    # a French business (reverse charge) with free shipping: no VAT in any amount
    "reverse_charge": (
        {},
        {"voucher_code": "SHIPFREE", "vat_number": "FR40303265045", "country": "FR"},
        ("39.23", "5.04", "5.04", "0.00", "39.23"),
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_cart_order_invoice_and_email_show_the_same_totals(api, shop, scenario):
    # given
    settings, changes, expected = SCENARIOS[scenario]
    if settings:
        pricing_services.update_tax_settings(
            actor=SYSTEM, details=pricing_services.TaxSettingsDetails(**settings)
        )
    make_voucher("TENOFF")
    make_voucher("SHIPFREE", kind="free_shipping", value="0")
    cart = filled_cart(api, shop, lines=((0, 2), (1, 1)), **changes)
    shown = api.get_json(f"{CARTS}/{cart}").json()["totals"]

    # when: placed, read back, invoiced and confirmed by email
    placed = complete(api, cart).json()
    order = Order.objects.get(public_id=placed["id"])
    api_totals = api.get_json(
        f"/api/store/orders/{order.public_id}", headers={"X-Order-Token": order.guest_token}
    ).json()["totals"]
    invoice = pdf_text(render_invoice_pdf(order))
    run_tasks()
    (email,) = [m for m in mail.outbox if str(order.number) in m.subject]

    # then: the same five amounts, and the identity holds to the cent everywhere
    assert tuple(shown[name]["amount"] for name in STATED) == expected
    assert {name: api_totals[name] for name in shown} == shown
    assert holds(shown) and holds(api_totals)
    assert placed["total"] == shown["total"]
    subtotal, discount, shipping, tax, total = (f"{x} EUR" for x in expected)
    assert f"Subtotal\n{subtotal}" in invoice
    assert f"-{discount}" in invoice
    assert "Shipping (Standard " in invoice and f"\n{shipping}\n" in invoice
    assert f"Total\n{total}" in invoice
    assert f"Subtotal: {subtotal}\n" in email.body
    assert f": -{discount}\n" in email.body
    assert f": {shipping}\n" in email.body
    assert f"Total: {total}\n" in email.body
    assert f"VAT: {tax}\n" in email.body


def test_an_old_order_field_keeps_its_meaning_for_now(api, shop):
    """`subtotal_gross` (after the voucher) stays in the order API, deprecated."""
    make_voucher("TENOFF")
    cart = filled_cart(api, shop, lines=((0, 2), (1, 1)), voucher_code="TENOFF")
    order = Order.objects.get(public_id=complete(api, cart).json()["id"])

    totals = api.get_json(
        f"/api/store/orders/{order.public_id}", headers={"X-Order-Token": order.guest_token}
    ).json()["totals"]

    assert (totals["subtotal_gross"], totals["gross"]) == (money("35.00"), money("39.90"))
    assert order.discount_total == D("20.00")  # promotions and the voucher


# --- 3. reverse charge needs a VAT number of the destination --------------------------------


def test_an_italian_vat_number_shipped_to_france_pays_vat_and_the_cart_says_why(api, shop):
    # given
    cart = filled_cart(api, shop, country="FR", lines=((1, 1),), vat_number="IT00743110157")

    # when
    shown = api.get_json(f"{CARTS}/{cart}").json()
    response = complete(api, cart)

    # then: German VAT (no one-stop shop yet), and why there is no reverse charge
    assert shown["totals"]["reverse_charge"] is False
    assert shown["totals"]["tax"] == money("1.94")  # in 15.00 at 7 %, in 6.00 at 19 %
    problem = shown["vat_number_problem"]
    assert problem["code"] == "vat_number_not_destination"
    assert "FR" in problem["detail"] and "IT" in problem["detail"]
    assert response.status_code == 201, response.content  # it does not stop checkout
    order = Order.objects.get(public_id=response.json()["id"])
    assert (order.reverse_charge, order.tax_note, order.tax_total) == (False, "", D("1.94"))


def test_a_french_vat_number_shipped_to_france_gets_reverse_charge(api, shop):
    cart = filled_cart(api, shop, country="FR", lines=((1, 1),), vat_number="FR40303265045")

    shown = api.get_json(f"{CARTS}/{cart}").json()

    assert shown["totals"]["reverse_charge"] is True
    assert shown["totals"]["tax"] == money("0.00")
    assert shown["vat_number_problem"] is None


def test_the_tax_settings_may_accept_a_vat_number_of_another_eu_country(api, shop):
    pricing_services.update_tax_settings(
        actor=SYSTEM,
        details=pricing_services.TaxSettingsDetails(
            reverse_charge_requires_destination_country=False
        ),
    )
    cart = filled_cart(api, shop, country="FR", lines=((1, 1),), vat_number="IT00743110157")

    shown = api.get_json(f"{CARTS}/{cart}").json()

    assert shown["totals"]["reverse_charge"] is True
    assert shown["vat_number_problem"] is None


def test_a_vat_number_of_the_shop_s_own_country_says_why_it_pays_vat(api, shop):
    cart = filled_cart(api, shop, country="FR", lines=((1, 1),), vat_number="DE136695976")

    problem = api.get_json(f"{CARTS}/{cart}").json()["vat_number_problem"]

    assert problem["code"] == "vat_number_origin_country"


# --- orders placed before the stated totals -------------------------------------------------


def test_the_migration_fills_in_the_stated_totals_of_earlier_orders(api, shop):
    # given: orders placed now, with their new columns blanked as before the migration
    migration = import_module("mercato.orders.migrations.0004_stated_totals")
    make_voucher("TENOFF")
    make_voucher("SHIPFREE", kind="free_shipping", value="0")
    for changes in ({"voucher_code": "TENOFF"}, {"voucher_code": "SHIPFREE"}, {}):
        complete(api, filled_cart(api, shop, lines=((0, 2), (1, 1)), **changes))
    names = ["subtotal", "voucher_discount", "shipping_price"]
    placed = list(Order.objects.order_by("pk").values_list(*names))
    Order.objects.update(subtotal=0, voucher_discount=0, shipping_price=0)

    # when
    migration.backfill_stated_totals(apps, None)

    # then: the same values as placing them wrote
    assert list(Order.objects.order_by("pk").values_list(*names)) == placed
    assert placed[1] == (D("45.00"), D("4.90"), D("4.90"))  # free shipping
