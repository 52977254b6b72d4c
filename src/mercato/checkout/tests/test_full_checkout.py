"""A whole checkout through the store API, every number checked against a hand computation;
the order keeps its snapshots whatever the catalog does later."""

import pytest
from django.db.models import Sum

from mercato.audit.services import SYSTEM
from mercato.catalog import services as catalog_services
from mercato.checkout.models import Cart
from mercato.checkout.tests.conftest import (
    CARTS,
    D,
    address,
    complete,
    filled_cart,
    make_voucher,
)
from mercato.core.models import Event
from mercato.inventory import selectors as inventory
from mercato.inventory.models import Allocation, Reservation, Stock
from mercato.orders.models import Order
from mercato.pricing import services as pricing_services
from mercato.pricing.models import TaxRate, Voucher, VoucherRedemption
from mercato.pricing.vat import REVERSE_CHARGE_NOTE


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def line_values(order: Order) -> list[tuple]:
    return list(
        order.lines.order_by("sku").values_list(
            "sku",
            "product_name",
            "variant_name",
            "quantity",
            "unit_price",
            "unit_price_discounted",
            "promotion_discount",
            "voucher_discount",
            "total_net",
            "total_tax",
            "total_gross",
            "tax_rate",
            "tax_class",
        )
    )


def order_totals(order: Order) -> dict[str, object]:
    names = [
        "subtotal_net",
        "subtotal_gross",
        "discount_total",
        "shipping_net",
        "shipping_tax",
        "shipping_gross",
        "shipping_tax_rate",
        "tax_total",
        "total_net",
        "total_gross",
    ]
    return {name: getattr(order, name) for name in names}


def stock_rows(shop) -> dict[str, tuple[int, int]]:
    return {
        sku: (quantity, allocated)
        for sku, quantity, allocated in Stock.objects.values_list(
            "variant__sku", "quantity", "quantity_allocated"
        )
    }


def test_a_guest_checks_out_with_a_promotion_a_voucher_shipping_and_tax(api, shop):
    # given: 2 tees at 20.00 - 25 % = 15.00 and a novel at 15.00 (45.00), 10.00 off the
    # order, 4.90 shipping to Germany, prices with tax
    make_voucher("TENOFF", kind="fixed", value="10.00", usage_limit=5)
    cart = filled_cart(api, shop, lines=((0, 2), (1, 1)), voucher_code="tenoff", note="Ring twice")
    shown = api.get_json(f"{CARTS}/{cart}").json()

    # when
    response = complete(api, cart, key="complete-1")

    # then: the cart showed what the order charges
    assert shown["totals"] == {
        "subtotal": money("45.00"),
        "discount": money("10.00"),
        "shipping": money("4.90"),
        "tax": money("5.26"),
        "total": money("39.90"),
        "prices_include_tax": True,
        "reverse_charge": False,
        "tax_note": "",
    }
    assert response.status_code == 201, response.content
    body = response.json()
    order = Order.objects.get(public_id=body["id"])
    assert body["total"] == money("39.90")
    assert (body["status"], body["payment_status"]) == ("unfulfilled", "not_charged")
    # voucher 10.00 spread over 30.00 and 15.00: 6.67 and 3.33; tax 19 % and 7 % inside
    assert line_values(order) == [
        ("NOVEL", "Novel", "", 1, D("15.00"), D("15.00"), D("0.00"), D("3.33"),
         D("10.91"), D("0.76"), D("11.67"), D("0.0700"), "reduced"),
        ("TEE-M", "Tee", "M", 2, D("20.00"), D("15.00"), D("10.00"), D("6.67"),
         D("19.61"), D("3.72"), D("23.33"), D("0.1900"), "standard"),
    ]  # fmt: skip
    assert order_totals(order) == {
        "subtotal_net": D("30.52"),
        "subtotal_gross": D("35.00"),
        "discount_total": D("20.00"),
        "shipping_net": D("4.12"),
        "shipping_tax": D("0.78"),
        "shipping_gross": D("4.90"),
        "shipping_tax_rate": D("0.1900"),
        "tax_total": D("5.26"),
        "total_net": D("34.64"),
        "total_gross": D("39.90"),
    }
    assert order.user is None
    assert order.email == "guest@example.com"
    assert order.shipping_address == order.billing_address == address("DE")
    assert (order.shipping_method_id, order.shipping_method_name) == (
        str(shop.standard_de.public_id),
        "Standard DE",
    )
    assert (order.voucher_code, order.reverse_charge, order.tax_note) == ("TENOFF", False, "")
    assert (order.customer_note, order.checkout_token) == ("Ring twice", cart)
    assert order.number >= 10001
    # stock: allocated, the cart's reservations gone, the ledger agrees
    assert stock_rows(shop) == {"TEE-M": (10, 2), "NOVEL": (10, 1)}
    assert sorted(
        Allocation.objects.filter(order_reference=str(order.number)).values_list(
            "stock__variant__sku", "quantity"
        )
    ) == [("NOVEL", 1), ("TEE-M", 2)]
    assert set(Allocation.objects.values_list("line_reference", flat=True)) == {
        str(pk) for pk in order.lines.values_list("public_id", flat=True)
    }
    assert not Reservation.objects.exists()
    assert inventory.verify_ledger() == []
    # the voucher use is counted, the event recorded, the cart closed
    voucher = Voucher.objects.get(code="TENOFF")
    assert voucher.times_used == 1
    # inventory and the voucher refer to the order the same way: its number
    assert list(VoucherRedemption.objects.values_list("email", "order_reference")) == [
        ("guest@example.com", order.reference)
    ]
    assert list(Event.objects.filter(name="order.created").values_list("payload", flat=True)) == [
        {"order_id": order.pk, "number": order.number}
    ]
    assert Cart.objects.get(token=cart).status == Cart.Status.COMPLETED
    assert api.get_json(f"{CARTS}/{cart}").json()["order_id"] == body["id"]


def test_a_customer_checks_out_to_austria_with_free_shipping_at_the_austrian_rates(
    api, shop, customer, customer_token
):
    # given: past the OSS threshold, a sale to Austria is taxed at 20 % / 10 %; shipping
    # 6.00 (800 g) is made free by the voucher
    pricing_services.update_tax_settings(
        actor=SYSTEM, details=pricing_services.TaxSettingsDetails(oss_threshold_exceeded=True)
    )
    make_voucher("FREESHIP", kind="free_shipping", usage_limit_per_customer=1)
    billing = address("DE", company="Lovelace Ltd")
    cart = filled_cart(
        api,
        shop,
        token=customer_token,
        country="AT",
        lines=((0, 2), (1, 1)),
        voucher_code="FREESHIP",
        billing_address=billing,
    )
    shown = api.get_json(f"{CARTS}/{cart}", token=customer_token).json()

    # when
    response = complete(api, cart, token=customer_token, key="complete-1")

    # then
    assert shown["totals"] == {
        "subtotal": money("45.00"),
        "discount": money("6.00"),
        "shipping": money("6.00"),
        "tax": money("6.36"),
        "total": money("45.00"),
        "prices_include_tax": True,
        "reverse_charge": False,
        "tax_note": "",
    }
    assert response.status_code == 201, response.content
    order = Order.objects.get(public_id=response.json()["id"])
    assert line_values(order) == [
        ("NOVEL", "Novel", "", 1, D("15.00"), D("15.00"), D("0.00"), D("0.00"),
         D("13.64"), D("1.36"), D("15.00"), D("0.1000"), "reduced"),
        ("TEE-M", "Tee", "M", 2, D("20.00"), D("15.00"), D("10.00"), D("0.00"),
         D("25.00"), D("5.00"), D("30.00"), D("0.2000"), "standard"),
    ]  # fmt: skip
    assert order_totals(order) == {
        "subtotal_net": D("38.64"),
        "subtotal_gross": D("45.00"),
        "discount_total": D("16.00"),  # 10.00 promotion + 6.00 shipping
        "shipping_net": D("0.00"),
        "shipping_tax": D("0.00"),
        "shipping_gross": D("0.00"),
        "shipping_tax_rate": D("0.2000"),
        "tax_total": D("6.36"),
        "total_net": D("38.64"),
        "total_gross": D("45.00"),
    }
    assert (order.user, order.email) == (customer, customer.email)
    assert order.shipping_address == address("AT")
    assert order.billing_address == billing
    assert order.voucher_code == "FREESHIP"
    assert stock_rows(shop) == {"TEE-M": (10, 2), "NOVEL": (10, 1)}
    assert not Reservation.objects.exists()
    assert inventory.verify_ledger() == []
    assert list(VoucherRedemption.objects.values_list("user_id", "voucher__times_used")) == [
        (customer.pk, 1)
    ]
    assert customer.orders.get() == order


def test_a_business_in_another_eu_country_gets_reverse_charge(api, shop):
    # given: a French VAT number, shipped to France; the prices hold German VAT, dropped
    cart = filled_cart(
        api, shop, country="FR", lines=((0, 2), (1, 1)), vat_number="fr 40 303265045"
    )
    shown = api.get_json(f"{CARTS}/{cart}").json()

    # when
    response = complete(api, cart)

    # then: 30.00 / 1.19, 15.00 / 1.07 and 6.00 / 1.19, no tax, the legal note
    assert shown["vat_number"] == "FR40303265045"
    assert shown["totals"]["reverse_charge"] is True
    assert shown["totals"]["tax_note"] == REVERSE_CHARGE_NOTE
    assert response.status_code == 201, response.content
    order = Order.objects.get(public_id=response.json()["id"])
    assert [
        (sku, rate, net, tax, gross) for sku, *_, net, tax, gross, rate, _ in line_values(order)
    ] == [
        ("NOVEL", D("0"), D("14.02"), D("0"), D("14.02")),
        ("TEE-M", D("0"), D("25.21"), D("0"), D("25.21")),
    ]
    assert (order.shipping_net, order.shipping_tax, order.shipping_gross) == (
        D("5.04"),
        D("0"),
        D("5.04"),
    )
    assert (order.tax_total, order.total_net, order.total_gross) == (
        D("0"),
        D("44.27"),
        D("44.27"),
    )
    assert (order.reverse_charge, order.tax_note, order.vat_number) == (
        True,
        REVERSE_CHARGE_NOTE,
        "FR40303265045",
    )


def test_later_catalog_and_tax_changes_leave_the_order_as_it_was(api, shop):
    # given
    cart = filled_cart(api, shop, lines=((0, 2), (1, 1)))
    order = Order.objects.get(public_id=complete(api, cart).json()["id"])
    before = (line_values(order), order_totals(order), order.shipping_address)

    # when: names, prices, the tax rate and the shipping price change
    catalog_services.update_product(
        actor=SYSTEM,
        product=shop.tee.product,
        changes=catalog_services.ProductChanges(name="Tee (new)"),
    )
    catalog_services.update_variant(
        actor=SYSTEM,
        variant=shop.tee,
        changes=catalog_services.VariantChanges(price="99.00", name="Medium", sku="T-2"),
    )
    TaxRate.objects.filter(country="DE").update(rate=D("0.25"))
    shop.standard_de.price = D("50.00")
    shop.standard_de.save()

    # then
    order.refresh_from_db()
    assert (line_values(order), order_totals(order), order.shipping_address) == before
    assert line_values(order)[1][:3] == ("TEE-M", "Tee", "M")


@pytest.mark.parametrize("completions", [2, 3])
def test_completing_a_completed_cart_returns_the_same_order(api, shop, completions):
    cart = filled_cart(api, shop, lines=((0, 1),))

    responses = [complete(api, cart) for _ in range(completions)]

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert Order.objects.count() == 1
    assert Stock.objects.aggregate(n=Sum("quantity_allocated"))["n"] == 1
    assert Event.objects.filter(name="order.created").count() == 1


def test_a_shop_with_net_prices_adds_tax_on_top(api, shop):
    # given: prices without tax; a novel at 15.00 - 10 % = 13.50 (+ 7 %), shipping 4.90 (+ 19 %)
    pricing_services.update_tax_settings(
        actor=SYSTEM, details=pricing_services.TaxSettingsDetails(prices_include_tax=False)
    )
    make_voucher("TEN", kind="percentage", value="10")
    cart = filled_cart(api, shop, lines=((1, 1),), voucher_code="TEN")
    shown = api.get_json(f"{CARTS}/{cart}").json()

    # when
    response = complete(api, cart)

    # then: 13.50 + 0.95 + 4.90 + 0.93; subtotal - discount + shipping + tax = total
    assert shown["totals"] == {
        "subtotal": money("15.00"),
        "discount": money("1.50"),
        "shipping": money("4.90"),
        "tax": money("1.88"),
        "total": money("20.28"),
        "prices_include_tax": False,
        "reverse_charge": False,
        "tax_note": "",
    }
    order = Order.objects.get(public_id=response.json()["id"])
    assert line_values(order) == [
        ("NOVEL", "Novel", "", 1, D("15.00"), D("15.00"), D("0.00"), D("1.50"),
         D("13.50"), D("0.95"), D("14.45"), D("0.0700"), "reduced"),
    ]  # fmt: skip
    assert order_totals(order) == {
        "subtotal_net": D("13.50"),
        "subtotal_gross": D("14.45"),
        "discount_total": D("1.50"),
        "shipping_net": D("4.90"),
        "shipping_tax": D("0.93"),
        "shipping_gross": D("5.83"),
        "shipping_tax_rate": D("0.1900"),
        "tax_total": D("1.88"),
        "total_net": D("18.40"),
        "total_gross": D("20.28"),
    }
    assert order.prices_include_tax is False


def test_a_retry_with_the_same_idempotency_key_replays_the_order(api, shop, customer_token):
    cart = filled_cart(api, shop, token=customer_token)

    first = complete(api, cart, token=customer_token, key="k1")
    retry = complete(api, cart, token=customer_token, key="k1")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Order.objects.count() == 1
