"""A completed cart shows its order as placed; a shipping method's own tax class is honoured;
inventory and vouchers refer to an order the same way."""

from mercato.audit.services import SYSTEM
from mercato.catalog import services as catalog_services
from mercato.checkout.tests.conftest import (
    CARTS,
    D,
    add,
    address,
    complete,
    filled_cart,
    make_voucher,
    new_cart,
    patch,
)
from mercato.inventory.models import Allocation
from mercato.orders.models import Order
from mercato.pricing import services as pricing_services
from mercato.pricing.models import TaxRate, VoucherRedemption
from mercato.shipping import services as shipping_services


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def test_a_completed_cart_shows_its_order_as_placed_not_priced_again(api, shop):
    # given: 2 tees (20.00 - 25 % = 15.00 each) and a novel (15.00), 10.00 off, 4.90 shipping
    make_voucher("TENOFF")
    cart = filled_cart(api, shop, lines=((0, 2), (1, 1)), voucher_code="TENOFF")
    before = api.get_json(f"{CARTS}/{cart}").json()
    placed = complete(api, cart).json()
    order = Order.objects.get(public_id=placed["id"])

    # when: the price, a tax rate and the shipping price change after the order was placed
    catalog_services.update_variant(
        actor=SYSTEM, variant=shop.tee, changes=catalog_services.VariantChanges(price="99.00")
    )
    rate = TaxRate.objects.get(country="DE", tax_class__slug="standard")
    pricing_services.update_tax_rate(actor=SYSTEM, tax_rate=rate, rate="0.25")
    shipping_services.save_method(
        actor=SYSTEM,
        method=shop.standard_de,
        zone=shop.standard_de.zone,
        changes=shipping_services.ShippingMethodChanges(price="9.90"),
    )
    shown = api.get_json(f"{CARTS}/{cart}")

    # then: the cart answers with the order as it was placed
    assert shown.status_code == 200
    body = shown.json()
    assert (body["status"], body["order_id"], body["order_number"]) == (
        "completed",
        str(order.public_id),
        order.number,
    )
    assert body["totals"] == before["totals"]
    assert body["totals"]["total"] == money(str(order.total_gross))
    assert body["totals"]["tax"] == money(str(order.tax_total))
    assert body["lines"] == before["lines"]
    assert body["shipping_method"]["id"] == before["shipping_method"]["id"]
    assert body["shipping_method"]["price"] == money("4.90")
    assert (body["voucher_code"], body["voucher_problem"]) == ("TENOFF", None)


def test_a_completed_cart_with_free_shipping_shows_the_shipping_it_waived(api, shop):
    make_voucher("SHIPFREE", kind="free_shipping", value="0")
    cart = filled_cart(api, shop, lines=((1, 1),), voucher_code="SHIPFREE")
    before = api.get_json(f"{CARTS}/{cart}").json()

    complete(api, cart)
    body = api.get_json(f"{CARTS}/{cart}").json()

    assert before["totals"]["discount"] == before["totals"]["shipping"] == money("4.90")
    assert body["totals"] == before["totals"]


def test_an_open_cart_has_no_order(api, shop):
    cart = new_cart(api)

    body = api.get_json(f"{CARTS}/{cart}").json()

    assert (body["status"], body["order_id"], body["order_number"]) == ("open", None, None)


def test_the_shipping_method_s_own_tax_class_is_used(api, shop):
    # given: shipping to DE is a book-rate charge (reduced, 7 %); the shop's default is 19 %
    shipping_services.save_method(
        actor=SYSTEM,
        method=shop.standard_de,
        zone=shop.standard_de.zone,
        changes=shipping_services.ShippingMethodChanges(tax_class_slug="reduced"),
    )
    cart = filled_cart(api, shop, lines=((1, 1),))

    # when
    priced = api.get_json(f"{CARTS}/{cart}").json()
    order = Order.objects.get(public_id=complete(api, cart).json()["id"])

    # then: 4.90 gross at 7 % is 4.58 net + 0.32 tax; the novel 15.00 at 7 % is 0.98 tax
    assert (order.shipping_tax_rate, order.shipping_net, order.shipping_tax) == (
        D("0.0700"),
        D("4.58"),
        D("0.32"),
    )
    assert priced["totals"]["tax"] == money("1.30")
    assert order.tax_total == D("1.30")


def test_a_method_without_a_tax_class_uses_the_shops_shipping_class(api, shop):
    cart = filled_cart(api, shop, lines=((1, 1),))

    order = Order.objects.get(public_id=complete(api, cart).json()["id"])

    # 4.90 gross at 19 %: 4.12 net + 0.78 tax
    assert (order.shipping_tax_rate, order.shipping_tax) == (D("0.1900"), D("0.78"))


def test_inventory_and_the_voucher_refer_to_the_order_by_the_same_reference(api, shop):
    make_voucher("TENOFF")
    cart = filled_cart(api, shop, lines=((0, 1),), voucher_code="TENOFF")

    order = Order.objects.get(public_id=complete(api, cart).json()["id"])

    assert order.reference == str(order.number)
    assert set(VoucherRedemption.objects.values_list("order_reference", flat=True)) == {
        order.reference
    }
    assert set(Allocation.objects.values_list("order_reference", flat=True)) == {order.reference}


def test_a_change_to_the_store_wide_rules_reaches_the_next_price(api, shop):
    """Tax rates, promotions and shipping methods are cached per process; a change made
    through the services is seen by the very next request."""
    cart = new_cart(api)
    add(api, cart, shop.novel)
    patch(api, cart, {"shipping_address": address("DE")})
    first = api.get_json(f"{CARTS}/{cart}").json()
    rate = TaxRate.objects.get(country="DE", tax_class__slug="reduced")

    pricing_services.update_tax_rate(actor=SYSTEM, tax_rate=rate, rate="0.10")
    second = api.get_json(f"{CARTS}/{cart}").json()

    assert first["lines"][0]["tax_rate"] == "0.0700"
    assert second["lines"][0]["tax_rate"] == "0.1000"
