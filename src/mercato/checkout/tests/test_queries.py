"""Query counts of every checkout call: they must not grow with the number of lines (only the
allocation writes one stock row per line) and must not creep up unnoticed.

Store-wide pricing rules (tax, promotions, shipping methods) are cached per process under
`PricingState.version`: a warm call reads only that version of them. Inside a test every
transaction block is a savepoint, so each block counts 2 statements (SAVEPOINT, RELEASE) that
are BEGIN/COMMIT outside tests."""

import contextlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mercato.checkout import selectors, services
from mercato.checkout.tests.conftest import (
    CARTS,
    address,
    make_stocked_variants,
    make_voucher,
)
from mercato.orders.models import Order
from mercato.pricing.models import Voucher


def full_cart(shop, lines: int):
    """A cart with `lines` lines, an address, a method and a voucher."""
    if not Voucher.objects.filter(code="TENOFF").exists():
        make_voucher("TENOFF", usage_limit=100, usage_limit_per_customer=5)
    cart = services.create_cart()
    for v in make_stocked_variants(lines):
        services.set_line(cart=cart, variant_id=v.public_id, quantity=2)
    return services.update_checkout(
        cart=cart,
        details=services.CheckoutDetails(
            email="guest@example.com",
            shipping_address=address("DE"),
            shipping_method_id=str(shop.standard_de.public_id),
            voucher_code="TENOFF",
        ),
    )


@pytest.mark.parametrize("lines", [2, 20])
def test_a_priced_cart_takes_a_fixed_number_of_queries(
    api, shop, lines, django_assert_max_num_queries
):
    cart = full_cart(shop, lines)

    # cold: the rules changed (the shop and voucher were just made) and are read again
    with django_assert_max_num_queries(16):
        response = api.get_json(f"{CARTS}/{cart.token}")
    # warm: cart (with the rules' version), lines with their variants, voucher (3), its uses
    with django_assert_max_num_queries(6):
        again = api.get_json(f"{CARTS}/{cart.token}")

    assert response.status_code == 200
    assert again.json() == response.json()
    assert len(response.json()["lines"]) == lines
    assert response.json()["voucher_problem"] is None
    assert response.json()["shipping_method"]["name"] == "Standard DE"


# complete_checkout (with a voucher): a fixed number, whatever the number of lines (one
# statement writes all the stock rows, one all the movements, one all the allocations).
FIXED, PER_LINE = 29, 0


@pytest.mark.parametrize("lines", [2, 10])
def test_completing_takes_a_fixed_number_of_queries_plus_the_allocation_per_line(
    shop, lines, django_assert_max_num_queries
):
    cart = full_cart(shop, lines)
    selectors.price_checkout(cart)  # the rules are in memory, as in a running shop

    with django_assert_max_num_queries(FIXED + PER_LINE * lines):
        order = services.complete_checkout(cart=cart)

    assert order.lines.count() == lines
    assert Order.objects.get().voucher_code == "TENOFF"


def test_the_number_of_lines_does_not_change_the_queries_of_completing(shop):
    small, large = full_cart(shop, 2), full_cart(shop, 10)
    selectors.price_checkout(small)
    counts = []
    for cart in (small, large):
        with CaptureQueriesContext(connection) as queries:
            services.complete_checkout(cart=cart)
        counts.append(len(queries))

    assert counts[1] - counts[0] == PER_LINE * 8


def guest_checkout(api, shop, at_most, key: str) -> None:
    """The benchmark's flow (bench/checkout_flow.py), each call inside `at_most(n)`."""
    with at_most(2):  # the cart, the rules version
        created = api.post_json(CARTS)
    cart = f"{CARTS}/{created.json()['token']}"
    # cart locked by token (with the rules' version), variant, lines, stock rows locked,
    # other reservations, the reservation replaced (2), the line, the cart's expiry, and the
    # savepoint pair; from the second line on, the other lines' reservations are renewed
    for v, queries in ((shop.tee, 11), (shop.novel, 12)):
        with at_most(queries):
            added = api.post_json(f"{cart}/lines", {"variant_id": str(v.public_id)})
        assert added.status_code == 200, added.content
    # lock, reservations renewed, the cart saved, lines, savepoint pair
    with at_most(6):
        patched = api.patch_json(
            cart, {"email": "guest@example.com", "shipping_address": address("DE")}
        )
    assert patched.status_code == 200, patched.content
    with at_most(2):  # cart, lines
        methods = api.get_json(f"{cart}/shipping-methods")
    assert [m["name"] for m in methods.json()] == ["Standard DE"]
    with at_most(6):
        chosen = api.patch_json(cart, {"shipping_method_id": methods.json()[0]["id"]})
    assert chosen.json()["shipping_method"]["name"] == "Standard DE"
    # idempotency record (savepoint pair, insert) and its answer, cart, lines, the order (6),
    # its lines, stock rows (lock, other reservations, update, movements, allocations), the
    # reservations released, the cart closed, savepoint pair
    with at_most(22):
        placed = api.post_json(f"{cart}/complete", headers={"Idempotency-Key": key})
    assert placed.status_code == 201, placed.content
    with at_most(4):  # cart, order, cart lines, order lines
        shown = api.get_json(cart)
    assert shown.json()["order_number"] == placed.json()["number"]


def test_each_call_of_a_guest_checkout_takes_a_pinned_number_of_queries(
    api, shop, django_assert_max_num_queries
):
    guest_checkout(api, shop, lambda n: contextlib.nullcontext(), "q-1")  # rules in memory

    guest_checkout(api, shop, django_assert_max_num_queries, "q-2")
