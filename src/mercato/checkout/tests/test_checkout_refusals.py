"""Completing is refused with a stable code, and then nothing has changed: no order, no
allocation, the voucher not used, the reservations kept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercato.audit.services import SYSTEM
from mercato.catalog import services as catalog_services
from mercato.catalog.models import Product
from mercato.checkout import services
from mercato.checkout.models import Cart, CartLine
from mercato.checkout.tests.conftest import (
    CARTS,
    D,
    add,
    address,
    checkout_state,
    complete,
    filled_cart,
    make_voucher,
    new_cart,
    patch,
)
from mercato.core.errors import DomainError
from mercato.inventory.models import Reservation
from mercato.orders.models import Order
from mercato.pricing import services as pricing_services
from mercato.pricing.models import Voucher


def refused(api, cart: str, status: int, code: str, **kwargs) -> dict:
    """Complete, expect a refusal with `code`, and check that nothing changed."""
    before = checkout_state()
    response = complete(api, cart, **kwargs)
    assert (response.status_code, response.json().get("code")) == (status, code), response.content
    assert checkout_state() == before
    assert not Order.objects.exists()
    return response.json()


def test_an_expired_voucher_is_refused(api, shop):
    make_voucher("OLD", starts_at=timezone.now() - timedelta(days=9), ends_at=timezone.now())
    cart = filled_cart(api, shop, voucher_code="OLD")

    shown = api.get_json(f"{CARTS}/{cart}").json()
    refused(api, cart, 422, "voucher_expired")

    assert shown["voucher_problem"]["code"] == "voucher_expired"
    assert shown["totals"]["discount"]["amount"] == "0.00"


def test_a_used_up_voucher_is_refused(api, shop):
    voucher = make_voucher("ONCE", usage_limit=1)
    pricing_services.redeem_voucher(
        voucher_id=voucher.pk, user_id=None, email="first@example.com", order_reference="#1"
    )
    cart = filled_cart(api, shop, voucher_code="ONCE")

    refused(api, cart, 409, "voucher_used_up")

    assert Voucher.objects.get().times_used == 1


def test_a_voucher_used_by_this_customer_already_is_refused(api, shop, customer, customer_token):
    voucher = make_voucher("WELCOME", usage_limit_per_customer=1)
    pricing_services.redeem_voucher(
        voucher_id=voucher.pk, user_id=customer.pk, email="", order_reference="#1"
    )
    cart = filled_cart(api, shop, token=customer_token, voucher_code="WELCOME")

    refused(api, cart, 409, "voucher_limit_per_customer", token=customer_token)


def test_an_unknown_voucher_is_refused(api, shop):
    cart = filled_cart(api, shop, voucher_code="NOSUCHCODE")

    refused(api, cart, 404, "voucher_not_found")


def test_a_voucher_for_products_not_in_the_cart_is_refused(api, shop):
    make_voucher("BOOKS", applies_to="specific", product_ids=[shop.novel.product_id])
    cart = filled_cart(api, shop, lines=((0, 1),), voucher_code="BOOKS")

    shown = api.get_json(f"{CARTS}/{cart}").json()
    refused(api, cart, 422, "voucher_not_applicable")

    assert shown["voucher_problem"]["code"] == "voucher_not_applicable"


def test_a_malformed_address_is_refused_with_its_field(api, shop):
    cart = filled_cart(api, shop)
    before = checkout_state()

    response = patch(api, cart, {"shipping_address": address("DE", postal_code="1011")})

    assert (response.status_code, response.json()["code"]) == (422, "invalid_address")
    assert response.json()["errors"] == [
        {"field": "shipping_address.postal_code", "message": "Not a valid postal code for DE."}
    ]
    assert checkout_state() == before


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"billing_address": address("US", postal_code="1")}, "invalid_address", None),
        ({"shipping_address": {**address("DE"), "first_name": ""}}, "invalid_address", None),
        ({"shipping_address": {"country": "DE"}}, "validation_error", None),
        ({"shipping_address": address("XX")}, "invalid_address", "shipping_address.country"),
        ({"email": "not-an-email"}, "validation_error", "email"),
        ({"shipping_method_id": "standard"}, "validation_error", "shipping_method_id"),
        ({"vat_number": "DE12"}, "invalid_vat_number", "vat_number"),
        ({"colour": "red"}, "validation_error", None),
    ],
)
def test_bad_checkout_details_are_refused_and_change_nothing(api, shop, changes, code, field):
    cart = filled_cart(api, shop)
    before = checkout_state()

    response = patch(api, cart, changes)

    assert (response.status_code, response.json()["code"]) == (422, code), response.content
    if field:
        assert response.json()["errors"][0]["field"] == field
    assert checkout_state() == before


def test_a_shipping_method_that_does_not_serve_the_address_is_refused(api, shop):
    # given: the German method, an Austrian address
    cart = filled_cart(api, shop, shipping_address=address("AT"))

    shown = api.get_json(f"{CARTS}/{cart}").json()
    body = refused(api, cart, 422, "shipping_method_unavailable")

    assert shown["shipping_problem"]["code"] == "shipping_method_unavailable"
    assert shown["shipping_method"] is None
    assert body["errors"][0]["field"] == "shipping_method_id"


def test_a_switched_off_shipping_method_is_refused(api, shop):
    cart = filled_cart(api, shop)
    shop.standard_de.is_active = False
    shop.standard_de.save()

    refused(api, cart, 422, "shipping_method_unavailable")


@pytest.mark.parametrize(
    ("clear", "missing"),
    [
        ({"email": None}, ["email"]),
        ({"shipping_address": None}, ["shipping_address"]),
        ({"shipping_method_id": None}, ["shipping_method_id"]),
        ({"email": None, "shipping_method_id": None}, ["email", "shipping_method_id"]),
    ],
)
def test_missing_details_are_named(api, shop, clear, missing):
    cart = filled_cart(api, shop)
    assert patch(api, cart, clear).status_code == 200

    body = refused(api, cart, 422, "checkout_incomplete")

    assert [error["field"] for error in body["errors"]] == missing


def test_an_empty_cart_is_refused(api, shop):
    cart = filled_cart(api, shop)
    line = CartLine.objects.get()
    api.delete_json(f"{CARTS}/{cart}/lines/{line.public_id}")

    refused(api, cart, 422, "cart_empty")


def test_a_product_taken_off_sale_is_refused(api, shop):
    cart = filled_cart(api, shop)
    catalog_services.update_product(
        actor=SYSTEM,
        product=shop.tee.product,
        changes=catalog_services.ProductChanges(status=Product.Status.DRAFT),
    )

    refused(api, cart, 422, "variant_not_purchasable")


def test_stock_sold_elsewhere_meanwhile_is_refused(api, shop):
    # given: the cart's reservation lapsed and another cart took the whole stock
    cart = filled_cart(api, shop, lines=((0, 2),))
    Reservation.objects.filter(reference=f"cart:{cart}").update(expires_at=timezone.now())
    add(api, new_cart(api), shop.tee, 10)

    refused(api, cart, 409, "insufficient_stock")


def test_a_changed_price_is_shown_and_completing_again_accepts_it(api, shop):
    # given
    make_voucher("TENOFF", usage_limit=1)
    cart = filled_cart(api, shop, lines=((1, 2),), voucher_code="TENOFF")
    catalog_services.update_variant(
        actor=SYSTEM, variant=shop.novel, changes=catalog_services.VariantChanges(price="16.50")
    )
    before = checkout_state()

    # when
    first = complete(api, cart, key="k1")

    # then: refused, with the old and new price; the cart now holds the new price
    assert (first.status_code, first.json()["code"]) == (409, "price_changed")
    line = CartLine.objects.get()
    assert first.json()["lines"] == [
        {"line_id": str(line.public_id), "sku": "NOVEL", "old_price": "15.00", "new_price": "16.50"}
    ]
    assert line.unit_price == D("16.50")
    after = checkout_state()
    after["checkout.CartLine"] = before["checkout.CartLine"]
    assert after == before
    shown = api.get_json(f"{CARTS}/{cart}").json()
    assert shown["lines"][0]["unit_price"]["amount"] == "16.50"
    assert shown["totals"]["total"]["amount"] == "27.90"  # 33.00 - 10.00 + 4.90

    # and: completing again (with a new key) places the order at the new price
    second = complete(api, cart, key="k2")
    assert second.status_code == 201, second.content
    order = Order.objects.get()
    assert (order.lines.get().unit_price, order.total_gross) == (D("16.50"), D("27.90"))


def test_a_replayed_refusal_stays_a_refusal(api, shop):
    cart = filled_cart(api, shop)
    catalog_services.update_variant(
        actor=SYSTEM, variant=shop.tee, changes=catalog_services.VariantChanges(price="21.00")
    )

    first, replay = complete(api, cart, key="k1"), complete(api, cart, key="k1")

    assert first.json()["code"] == replay.json()["code"] == "price_changed"
    assert replay["Idempotent-Replayed"] == "true"
    assert not Order.objects.exists()


def test_a_completed_cart_takes_no_more_changes(api, shop):
    cart = filled_cart(api, shop)
    complete(api, cart)
    line = CartLine.objects.get()
    before = checkout_state()

    responses = [
        add(api, cart, shop.tee, 1),
        api.patch_json(f"{CARTS}/{cart}/lines/{line.public_id}", {"quantity": 2}),
        api.delete_json(f"{CARTS}/{cart}/lines/{line.public_id}"),
        patch(api, cart, {"note": "late"}),
    ]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(409, "cart_closed")] * 4
    assert checkout_state() == before


def test_a_refused_completion_leaves_the_cart_open_for_a_retry(api, shop):
    cart = filled_cart(api, shop, shipping_address=address("AT"))
    complete(api, cart)

    patch(api, cart, {"shipping_method_id": str(shop.standard_eu.public_id)})
    response = complete(api, cart)

    assert response.status_code == 201, response.content
    assert Cart.objects.get(token=cart).status == Cart.Status.COMPLETED


def test_the_service_refuses_a_merged_cart(api, shop, customer):
    cart = filled_cart(api, shop)
    services.merge_guest_cart(guest_token=cart, user=customer)

    with pytest.raises(DomainError) as refusal:
        services.complete_checkout(cart=Cart.objects.get(token=cart))

    assert refusal.value.code == "cart_closed"
    assert not Order.objects.exists()
