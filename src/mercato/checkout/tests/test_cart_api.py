"""Carts through the store API: lines, quantities, reservations, who may open a cart, expiry,
and the guest cart merged at login."""

from datetime import timedelta
from uuid import uuid4

import pytest
from django.utils import timezone

from mercato.audit.services import SYSTEM
from mercato.catalog import services as catalog_services
from mercato.catalog.models import Product
from mercato.checkout import services
from mercato.checkout.chores import delete_stale_carts
from mercato.checkout.models import Cart, CartLine
from mercato.checkout.tests.conftest import CARTS, add, address, checkout_state, new_cart
from mercato.inventory.models import Reservation
from tests.support import PASSWORD, UserFactory, sign_in


def quantities(body: dict) -> dict[str, int]:
    return {line["sku"]: line["quantity"] for line in body["lines"]}


def reserved(cart: str) -> dict[str, int]:
    return dict(
        Reservation.objects.filter(reference=f"cart:{cart}").values_list("variant__sku", "quantity")
    )


# --- lines ------------------------------------------------------------------------------------


def test_adding_a_variant_twice_adds_the_quantities_and_reserves_them(api, shop):
    cart = new_cart(api)

    add(api, cart, shop.tee, 2)
    response = add(api, cart, shop.tee, 3)

    assert response.status_code == 200, response.content
    body = response.json()
    assert quantities(body) == {"TEE-M": 5}
    assert body["lines"][0]["unit_price"] == {"amount": "20.00", "currency": "EUR"}
    assert body["lines"][0]["unit_price_discounted"] == {"amount": "15.00", "currency": "EUR"}
    assert body["lines"][0]["total"] == {"amount": "75.00", "currency": "EUR"}
    assert reserved(cart) == {"TEE-M": 5}


def test_reservations_follow_the_lines(api, shop):
    cart = new_cart(api)
    add(api, cart, shop.tee, 2)
    line_id = add(api, cart, shop.novel, 1).json()["lines"][0]["id"]
    novel_line = CartLine.objects.get(variant=shop.novel).public_id

    lowered = api.patch_json(f"{CARTS}/{cart}/lines/{line_id}", {"quantity": 1})
    assert reserved(cart) == {"TEE-M": 1, "NOVEL": 1}
    removed = api.delete_json(f"{CARTS}/{cart}/lines/{novel_line}")
    assert reserved(cart) == {"TEE-M": 1}
    zeroed = api.patch_json(f"{CARTS}/{cart}/lines/{line_id}", {"quantity": 0})

    assert [r.status_code for r in (lowered, removed, zeroed)] == [200, 200, 200]
    assert zeroed.json()["lines"] == []
    assert reserved(cart) == {}
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        (0, "validation_error"),
        (-1, "validation_error"),
        (1.5, "validation_error"),
        ("two", "validation_error"),
        (1_000_000, "validation_error"),
        (101, "invalid_quantity"),  # above CART_MAX_LINE_QUANTITY
    ],
)
def test_a_bad_quantity_is_refused_and_changes_nothing(api, shop, quantity, code):
    cart = new_cart(api)
    add(api, cart, shop.tee, 2)
    before = checkout_state()

    response = add(api, cart, shop.tee, quantity)

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["errors"][0]["field"] == "quantity"
    assert checkout_state() == before


def test_quantities_that_add_up_past_the_limit_are_refused(api, shop, settings):
    settings.CART_MAX_LINE_QUANTITY = 5
    cart = new_cart(api)
    add(api, cart, shop.tee, 4)
    before = checkout_state()

    response = add(api, cart, shop.tee, 2)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_quantity")
    assert checkout_state() == before


def test_a_cart_holds_a_limited_number_of_lines(api, shop, settings):
    settings.CART_MAX_LINES = 1
    cart = new_cart(api)
    add(api, cart, shop.tee, 1)
    before = checkout_state()

    refused = add(api, cart, shop.novel, 1)
    unchanged = checkout_state()
    more_of_the_same = add(api, cart, shop.tee, 1)

    assert (refused.status_code, refused.json()["code"]) == (422, "cart_full")
    assert unchanged == before
    assert more_of_the_same.status_code == 200
    assert quantities(more_of_the_same.json()) == {"TEE-M": 2}


@pytest.mark.parametrize("quantity", [-1, 1.5, 1_000_000, 101])
def test_a_bad_quantity_for_a_line_is_refused_and_changes_nothing(api, shop, quantity):
    cart = new_cart(api)
    line_id = add(api, cart, shop.tee, 2).json()["lines"][0]["id"]
    before = checkout_state()

    response = api.patch_json(f"{CARTS}/{cart}/lines/{line_id}", {"quantity": quantity})

    assert response.status_code == 422
    assert response.json()["code"] in {"validation_error", "invalid_quantity"}
    assert checkout_state() == before


@pytest.mark.parametrize("variant", ["draft", "unknown", "not-a-uuid"])
def test_a_variant_that_cannot_be_bought_is_refused(api, shop, variant):
    cart = new_cart(api)
    if variant == "draft":
        catalog_services.update_product(
            actor=SYSTEM,
            product=shop.tee.product,
            changes=catalog_services.ProductChanges(status=Product.Status.DRAFT),
        )
    variant_id = {"draft": str(shop.tee.public_id), "unknown": str(uuid4())}.get(variant, "x")
    before = checkout_state()

    response = api.post_json(f"{CARTS}/{cart}/lines", {"variant_id": variant_id, "quantity": 1})

    expected = "validation_error" if variant == "not-a-uuid" else "variant_not_purchasable"
    assert (response.status_code, response.json()["code"]) == (422, expected)
    assert checkout_state() == before


def test_a_line_of_a_product_taken_off_sale_can_still_be_removed(api, shop):
    cart = new_cart(api)
    line_id = add(api, cart, shop.tee, 2).json()["lines"][0]["id"]
    catalog_services.update_product(
        actor=SYSTEM,
        product=shop.tee.product,
        changes=catalog_services.ProductChanges(status=Product.Status.DRAFT),
    )

    raised = api.patch_json(f"{CARTS}/{cart}/lines/{line_id}", {"quantity": 3})
    zeroed = api.patch_json(f"{CARTS}/{cart}/lines/{line_id}", {"quantity": 0})

    assert (raised.status_code, raised.json()["code"]) == (422, "variant_not_purchasable")
    assert zeroed.status_code == 200, zeroed.content
    assert not CartLine.objects.exists()
    assert reserved(cart) == {}


def test_an_unknown_line_is_not_found(api, shop):
    cart = new_cart(api)
    add(api, cart, shop.tee, 1)

    response = api.patch_json(f"{CARTS}/{cart}/lines/{uuid4()}", {"quantity": 2})

    assert (response.status_code, response.json()["code"]) == (404, "cart_line_not_found")


def test_a_line_of_another_cart_is_not_found(api, shop):
    mine, theirs = new_cart(api), new_cart(api)
    their_line = add(api, theirs, shop.tee, 1).json()["lines"][0]["id"]
    before = checkout_state()

    changed = api.patch_json(f"{CARTS}/{mine}/lines/{their_line}", {"quantity": 2})
    removed = api.delete_json(f"{CARTS}/{mine}/lines/{their_line}")

    assert [r.json()["code"] for r in (changed, removed)] == ["cart_line_not_found"] * 2
    assert checkout_state() == before


# --- stock ----------------------------------------------------------------------------------


def test_more_than_is_in_stock_is_refused_and_nothing_is_reserved(api, shop):
    cart = new_cart(api)
    before = checkout_state()

    response = add(api, cart, shop.tee, 11)

    assert (response.status_code, response.json()["code"]) == (409, "insufficient_stock")
    assert response.json()["available"] == 10
    assert checkout_state() == before
    assert not Reservation.objects.exists()


def test_raising_a_line_past_the_stock_keeps_the_line_and_its_reservation(api, shop):
    cart = new_cart(api)
    line_id = add(api, cart, shop.tee, 3).json()["lines"][0]["id"]
    before = checkout_state()

    response = api.patch_json(f"{CARTS}/{cart}/lines/{line_id}", {"quantity": 11})

    assert (response.status_code, response.json()["code"]) == (409, "insufficient_stock")
    assert checkout_state() == before
    assert reserved(cart) == {"TEE-M": 3}


def test_units_another_cart_holds_cannot_be_added(api, shop):
    first, second = new_cart(api), new_cart(api)
    add(api, first, shop.tee, 8)

    refused = add(api, second, shop.tee, 3)
    accepted = add(api, second, shop.tee, 2)

    assert (refused.status_code, refused.json()["available"]) == (409, 2)
    assert accepted.status_code == 200
    assert reserved(second) == {"TEE-M": 2}


# --- who may open a cart --------------------------------------------------------------------


def test_an_unknown_cart_is_not_found(api, shop):
    for path in (f"{CARTS}/{uuid4().hex}", f"{CARTS}/{'x' * 300}"):
        response = api.get_json(path)
        assert (response.status_code, response.json()["code"]) == (404, "cart_not_found")


def test_a_customers_cart_opens_only_for_that_customer(api, shop, customer_token):
    cart = new_cart(api, customer_token)
    add(api, cart, shop.tee, 1, token=customer_token)
    stranger = sign_in(UserFactory()).access_token
    before = checkout_state()

    as_guest = [
        api.get_json(f"{CARTS}/{cart}"),
        add(api, cart, shop.tee, 1),
        api.patch_json(f"{CARTS}/{cart}", {"email": "thief@example.com"}),
        api.post_json(f"{CARTS}/{cart}/complete"),
    ]
    as_stranger = [
        api.get_json(f"{CARTS}/{cart}", token=stranger),
        add(api, cart, shop.tee, 1, token=stranger),
    ]
    as_owner = api.get_json(f"{CARTS}/{cart}", token=customer_token)

    for response in as_guest + as_stranger:
        assert (response.status_code, response.json()["code"]) == (404, "cart_not_found")
    assert checkout_state() == before
    assert as_owner.status_code == 200
    assert quantities(as_owner.json()) == {"TEE-M": 1}


def test_an_expired_cart_is_not_found(api, shop):
    cart = new_cart(api)
    add(api, cart, shop.tee, 1)
    Cart.objects.filter(token=cart).update(expires_at=timezone.now() - timedelta(seconds=1))

    looked_at = api.get_json(f"{CARTS}/{cart}")
    added = add(api, cart, shop.tee, 1)

    assert [r.status_code for r in (looked_at, added)] == [404, 404]
    assert looked_at.json()["code"] == "cart_not_found"
    assert CartLine.objects.get().quantity == 1


def test_a_cart_that_is_used_lives_on(api, shop):
    cart = new_cart(api)
    Cart.objects.filter(token=cart).update(expires_at=timezone.now() + timedelta(minutes=5))

    add(api, cart, shop.tee, 1)

    assert Cart.objects.get(token=cart).expires_at > timezone.now() + timedelta(days=29)


def test_a_customer_cart_is_made_for_the_signed_in_customer(api, shop, customer, customer_token):
    response = api.post_json(CARTS, token=customer_token)

    assert response.status_code == 201
    assert response.json()["email"] == customer.email
    assert Cart.objects.get(token=response.json()["token"]).user == customer


def test_an_invalid_access_token_is_refused_not_taken_for_a_guest(api, shop):
    response = api.post_json(CARTS, token="not-a-token")

    assert (response.status_code, response.json()["code"]) == (401, "invalid_token")
    assert not Cart.objects.exists()


# --- merge at login -------------------------------------------------------------------------


def test_a_guest_cart_merges_into_the_customers_cart(api, shop, customer, customer_token):
    # given: the guest holds 2 tees and a novel, the customer's cart 1 tee
    guest = new_cart(api)
    add(api, guest, shop.tee, 2)
    add(api, guest, shop.novel, 1)
    api.patch_json(f"{CARTS}/{guest}", {"note": "Gift wrap"})
    mine = new_cart(api, customer_token)
    add(api, mine, shop.tee, 1, token=customer_token)

    # when
    response = api.post_json(
        "/api/store/me/cart/merge", {"guest_token": guest}, token=customer_token
    )

    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token"] == mine
    assert quantities(body) == {"TEE-M": 3, "NOVEL": 1}
    assert (body["note"], body["email"]) == ("Gift wrap", customer.email)
    assert reserved(mine) == {"TEE-M": 3, "NOVEL": 1}
    assert reserved(guest) == {}
    assert Cart.objects.get(token=guest).status == Cart.Status.MERGED
    after = [api.get_json(f"{CARTS}/{guest}"), add(api, guest, shop.tee, 1)]
    assert [(r.status_code, r.json()["code"]) for r in after] == [(404, "cart_not_found")] * 2
    again = api.post_json("/api/store/me/cart/merge", {"guest_token": guest}, token=customer_token)
    assert (again.status_code, again.json()["code"]) == (404, "cart_not_found")


def test_a_merge_makes_the_customer_a_cart_when_there_is_none(api, shop, customer):
    guest = new_cart(api)
    add(api, guest, shop.novel, 2)

    cart = services.merge_guest_cart(guest_token=guest, user=customer)

    assert cart.token != guest
    assert cart.user == customer
    assert list(cart.lines.values_list("variant__sku", "quantity")) == [("NOVEL", 2)]


def test_a_merge_keeps_what_stock_allows(api, shop, customer, customer_token):
    # given: 10 tees; the customer holds 6, the guest held 4 until their reservation lapsed
    # and another shopper took 2
    mine = new_cart(api, customer_token)
    add(api, mine, shop.tee, 6, token=customer_token)
    guest = new_cart(api)
    add(api, guest, shop.tee, 4)
    Reservation.objects.filter(reference=f"cart:{guest}").update(expires_at=timezone.now())
    add(api, new_cart(api), shop.tee, 2)

    cart = services.merge_guest_cart(guest_token=guest, user=customer)

    assert cart.token == mine
    assert list(cart.lines.values_list("quantity", flat=True)) == [8]
    assert reserved(mine) == {"TEE-M": 8}


@pytest.mark.parametrize("guest", ["customer", "expired", "unknown"])
def test_only_a_live_guest_cart_can_be_merged(api, shop, customer_token, guest):
    other = sign_in(UserFactory()).access_token
    token = {"customer": new_cart(api, other), "expired": new_cart(api), "unknown": "nope"}[guest]
    if guest == "expired":
        add(api, token, shop.tee, 1)
        Cart.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = checkout_state()

    response = api.post_json(
        "/api/store/me/cart/merge", {"guest_token": token}, token=customer_token
    )

    assert (response.status_code, response.json()["code"]) == (404, "cart_not_found")
    assert checkout_state() == before


def test_merging_needs_a_signed_in_customer(api, shop):
    guest = new_cart(api)

    response = api.post_json("/api/store/me/cart/merge", {"guest_token": guest})

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


# --- shipping methods -----------------------------------------------------------------------


def test_the_cart_offers_the_methods_that_serve_its_address(api, shop):
    cart = new_cart(api)
    add(api, cart, shop.novel, 3)  # 1200 g
    path = f"{CARTS}/{cart}/shipping-methods"

    without = api.get_json(path)
    api.patch_json(f"{CARTS}/{cart}", {"shipping_address": address("DE")})
    germany = api.get_json(path)
    api.patch_json(f"{CARTS}/{cart}", {"shipping_address": address("AT")})
    austria = api.get_json(path)

    assert (without.status_code, without.json()["code"]) == (422, "checkout_incomplete")
    assert [(m["name"], m["price"]["amount"]) for m in germany.json()] == [("Standard DE", "4.90")]
    assert [(m["id"], m["price"]["amount"]) for m in austria.json()] == [
        (str(shop.standard_eu.public_id), "9.00")
    ]


def test_carts_join_the_gdpr_export_and_go_with_erasure(api, customer, customer_token, db):
    cart = services.create_cart(user=customer)
    exported = api.get_json("/api/store/me/export", token=customer_token)
    assert [c["email"] for c in exported.json()["carts"]] == [customer.email]

    erased = api.delete_json("/api/store/me", {"password": PASSWORD}, token=customer_token)

    assert erased.status_code == 204
    assert not Cart.objects.filter(pk=cart.pk).exists()
    assert delete_stale_carts() == 0
