"""Query counts that must not grow with the number of lines."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mercato.checkout import services
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
        changes={
            "email": "guest@example.com",
            "shipping_address": address("DE"),
            "shipping_method_id": str(shop.standard_de.public_id),
            "voucher_code": "TENOFF",
        },
    )


@pytest.mark.parametrize("lines", [2, 20])
def test_a_priced_cart_takes_a_fixed_number_of_queries(
    api, shop, lines, django_assert_max_num_queries
):
    cart = full_cart(shop, lines)

    with django_assert_max_num_queries(16):
        response = api.get_json(f"{CARTS}/{cart.token}")

    assert response.status_code == 200
    assert len(response.json()["lines"]) == lines
    assert response.json()["voucher_problem"] is None
    assert response.json()["shipping_method"]["name"] == "Standard DE"


# complete_checkout: a fixed part, plus what inventory.allocate_order spends per line (a
# stock update, a ledger row and an allocation row).
FIXED, PER_LINE = 51, 3  # 51: the order timeline entry


@pytest.mark.parametrize("lines", [2, 10])
def test_completing_takes_a_fixed_number_of_queries_plus_the_allocation_per_line(
    shop, lines, django_assert_max_num_queries
):
    cart = full_cart(shop, lines)

    with django_assert_max_num_queries(FIXED + PER_LINE * lines):
        order = services.complete_checkout(cart=cart)

    assert order.lines.count() == lines
    assert Order.objects.get().voucher_code == "TENOFF"


def test_only_the_allocation_grows_with_the_lines(shop):
    small, large = full_cart(shop, 2), full_cart(shop, 10)
    counts = []
    for cart in (small, large):
        with CaptureQueriesContext(connection) as queries:
            services.complete_checkout(cart=cart)
        counts.append(len(queries))

    assert counts[1] - counts[0] == PER_LINE * 8
