"""The back office list of abandoned carts: open carts with lines, idle long enough, valued at
today's list prices."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercato.audit.services import SYSTEM
from mercato.catalog import services as catalog_services
from mercato.checkout import services
from mercato.checkout.models import Cart
from mercato.checkout.tests.conftest import make_stocked_variants

URL = "/api/admin/checkout/abandoned-carts"


def idle(cart: Cart, hours: float) -> Cart:
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(hours=hours))
    return cart


def cart_with(lines, *, user=None, hours: float = 30) -> Cart:
    cart = services.create_cart(user=user)
    for v, quantity in lines:
        services.set_line(cart=cart, variant_id=v.public_id, quantity=quantity)
    return idle(cart, hours)


def test_only_idle_open_carts_with_lines_are_listed(api, shop, owner_token, customer):
    # given
    abandoned = cart_with([(shop.tee, 3), (shop.novel, 1)], user=customer, hours=30)
    cart_with([(shop.tee, 1)], hours=2)  # still active
    idle(services.create_cart(), 48)  # empty
    completed = cart_with([(shop.novel, 1)], hours=40)
    Cart.objects.filter(pk=completed.pk).update(status=Cart.Status.COMPLETED)
    merged = cart_with([(shop.novel, 1)], hours=40)
    Cart.objects.filter(pk=merged.pk).update(status=Cart.Status.MERGED)
    catalog_services.update_variant(
        actor=SYSTEM, variant=shop.tee, changes=catalog_services.VariantChanges(price="19.99")
    )

    # when
    response = api.get_json(URL, {"idle_hours": 24}, token=owner_token)

    # then: valued at the list price now, 3 x 19.99 + 15.00, promotions aside
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [(i["token"], i["customer"], i["email"]) for i in items] == [
        (abandoned.token, customer.email, customer.email)
    ]
    assert (items[0]["lines"], items[0]["items"]) == (2, 4)
    assert items[0]["value"] == {"amount": "74.97", "currency": "EUR"}


def test_idle_hours_decides_and_the_longest_idle_come_last(api, shop, owner_token):
    recent = cart_with([(shop.tee, 1)], hours=3)
    older = cart_with([(shop.novel, 2)], hours=50)

    wide = api.get_json(URL, {"idle_hours": 2}, token=owner_token).json()["items"]
    narrow = api.get_json(URL, {"idle_hours": 24}, token=owner_token).json()["items"]

    assert [i["token"] for i in wide] == [recent.token, older.token]
    assert [i["token"] for i in narrow] == [older.token]
    assert narrow[0]["customer"] is None


def test_pages_follow_each_other(api, shop, owner_token):
    carts = [cart_with([(shop.tee, 1)], hours=30 + i) for i in range(5)]

    first = api.get_json(URL, {"limit": 3}, token=owner_token).json()
    second = api.get_json(URL, {"limit": 3, "cursor": first["next"]}, token=owner_token).json()

    assert [i["token"] for i in first["items"] + second["items"]] == [c.token for c in carts]
    assert second["next"] is None


@pytest.mark.parametrize("idle_hours", [0, -1, "x", 24 * 366])
def test_a_bad_idle_hours_is_refused(api, shop, owner_token, idle_hours):
    response = api.get_json(URL, {"idle_hours": idle_hours}, token=owner_token)

    assert (response.status_code, response.json()["code"]) == (422, "validation_error")


def test_the_list_needs_the_view_cart_permission(
    api, shop, staff_token_without_permissions, customer_token
):
    cart_with([(shop.tee, 1)])

    anonymous = api.get_json(URL)
    customer = api.get_json(URL, token=customer_token)
    staff = api.get_json(URL, token=staff_token_without_permissions)

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert customer.status_code == 401
    assert (staff.status_code, staff.json()["code"]) == (403, "permission_denied")


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(
    api, shop, owner_token, customer, count, django_assert_max_num_queries
):
    variants = make_stocked_variants(3)
    for i in range(count):
        cart_with([(v, 1 + i % 2) for v in variants], user=customer if i % 2 else None)

    with django_assert_max_num_queries(4):
        response = api.get_json(URL, {"limit": 100}, token=owner_token)

    assert len(response.json()["items"]) == count
