"""Real threads, each with its own connection and real transactions: a voucher used once is
used once, and a cart completed several times at once makes one order."""

from collections import Counter

import pytest
from django.db import connection

from mercato.checkout import services
from mercato.checkout.models import Cart
from mercato.checkout.tests.conftest import (
    CARTS,
    address,
    checkout_state,
    make_stocked_variants,
    make_voucher,
)
from mercato.core.models import Event
from mercato.inventory import selectors as inventory
from mercato.inventory.models import Allocation, Reservation
from mercato.inventory.tests.test_concurrency import outcomes, run_together, workers
from mercato.orders.models import Order
from mercato.pricing.errors import VoucherUsedUp
from mercato.pricing.models import Voucher, VoucherRedemption
from tests.support import ApiClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _file_database():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the in-memory SQLite test database fails a concurrent writer at once; set "
            "SQLITE_TEST_NAME to a file to run this on SQLite"
        )


def ready_cart(shop, variants, index: int, voucher_code: str = "") -> Cart:
    cart = services.create_cart()
    for v in variants:
        services.set_line(cart=cart, variant_id=v.public_id, quantity=1)
    return services.update_checkout(
        cart=cart,
        details=services.CheckoutDetails(
            email=f"buyer{index}@example.com",
            shipping_address=address("DE"),
            shipping_method_id=str(shop.standard_de.public_id),
            voucher_code=voucher_code,
        ),
    )


def test_a_voucher_for_one_use_is_used_by_exactly_one_of_many_concurrent_orders(shop):
    # given: 20 carts (5 on SQLite) that all carry a voucher usable once
    buyers = workers(postgres=20, sqlite=5)
    variants = make_stocked_variants(2, stock=100)
    make_voucher("ONCE", usage_limit=1)
    carts = [ready_cart(shop, variants, i, voucher_code="ONCE") for i in range(buyers)]

    # when
    results = run_together(buyers, lambda i: services.complete_checkout(cart=carts[i]))

    # then: one order, the others refused as used up, and they changed nothing
    assert outcomes(results) == {"ok": 1, "VoucherUsedUp": buyers - 1}
    assert {r.code for r in results if isinstance(r, VoucherUsedUp)} == {"voucher_used_up"}
    (order,) = [r for r in results if isinstance(r, Order)]
    assert list(Order.objects.values_list("pk", "voucher_code")) == [(order.pk, "ONCE")]
    assert Voucher.objects.get().times_used == 1
    assert list(VoucherRedemption.objects.values_list("order_reference", flat=True)) == [
        order.reference
    ]
    assert set(Allocation.objects.values_list("order_reference", flat=True)) == {str(order.number)}
    assert Counter(Cart.objects.values_list("status", flat=True)) == {
        Cart.Status.COMPLETED: 1,
        Cart.Status.OPEN: buyers - 1,
    }
    assert Reservation.objects.count() == 2 * (buyers - 1)  # the others keep theirs
    assert Event.objects.filter(name="order.created").count() == 1
    assert inventory.verify_ledger() == []


def test_a_cart_completed_at_once_by_the_service_makes_one_order(shop):
    count = workers(postgres=10, sqlite=4)
    cart = ready_cart(shop, make_stocked_variants(2), 0)

    results = run_together(count, lambda i: services.complete_checkout(cart=cart))

    assert outcomes(results) == {"ok": count}
    assert len({order.pk for order in results}) == 1
    assert Order.objects.count() == 1
    assert Allocation.objects.count() == 2
    assert not Reservation.objects.exists()
    assert inventory.verify_ledger() == []


@pytest.mark.parametrize("same_key", [True, False])
def test_a_cart_completed_at_once_through_the_api_makes_one_order(shop, same_key):
    count = workers(postgres=10, sqlite=4)
    cart = ready_cart(shop, make_stocked_variants(2), 0)

    def complete(i: int):
        key = "complete-1" if same_key else f"complete-{i}"
        return ApiClient().post_json(
            f"{CARTS}/{cart.token}/complete", headers={"Idempotency-Key": key}
        )

    responses = run_together(count, complete)

    assert not [r for r in responses if isinstance(r, Exception)]
    placed = [r for r in responses if r.status_code == 201]
    busy = [r for r in responses if r.status_code != 201]
    assert placed
    assert {r.json()["id"] for r in placed} == {str(Order.objects.get().public_id)}
    assert {(r.status_code, r.json()["code"]) for r in busy} <= {
        (409, "idempotency_request_in_progress")
    }
    assert Allocation.objects.count() == 2
    assert inventory.verify_ledger() == []


def test_refused_concurrent_completes_leave_nothing_behind(shop):
    # given: carts whose voucher is used up before they start
    buyers = workers(postgres=8, sqlite=3)
    variants = make_stocked_variants(1, stock=100)
    make_voucher("GONE", usage_limit=1)
    carts = [ready_cart(shop, variants, i, voucher_code="GONE") for i in range(buyers + 1)]
    services.complete_checkout(cart=carts.pop())
    before = checkout_state()

    results = run_together(buyers, lambda i: services.complete_checkout(cart=carts[i]))

    assert outcomes(results) == {"VoucherUsedUp": buyers}
    assert checkout_state() == before
