"""place_order writes an order with its line snapshots and its event, all or nothing; the
back office shows orders read-only."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from mercato.audit.services import Actor
from mercato.catalog.models import ProductVariant
from mercato.catalog.tests.factories import make_product
from mercato.core.models import Event
from mercato.orders import services
from mercato.orders.models import Order, OrderLine, OrderNumber
from mercato.orders.services import placement
from tests.support import StaffFactory

pytestmark = pytest.mark.django_db

D = Decimal
ADDRESS = {"first_name": "Ada", "last_name": "L", "line1": "1 Road", "city": "Berlin",
           "postal_code": "10115", "country": "DE"}  # fmt: skip


def snapshot(variant_id: int, **changes) -> services.LineSnapshot:
    values = {
        "variant_id": variant_id,
        "product_name": "Tee",
        "variant_name": "M",
        "sku": "TEE-M",
        "quantity": 2,
        "unit_price": D("20.00"),
        "unit_price_discounted": D("15.00"),
        "promotion_discount": D("10.00"),
        "voucher_discount": D("0.00"),
        "total_net": D("25.21"),
        "total_tax": D("4.79"),
        "total_gross": D("30.00"),
        "tax_rate": D("0.19"),
        "tax_class": "standard",
    }
    return services.LineSnapshot(**{**values, **changes})


def place(variant_id: int, **totals) -> Order:
    return services.place_order(
        user=None,
        email="guest@example.com",
        currency="EUR",
        lines=[snapshot(variant_id)],
        totals=replace(
            services.OrderTotals(tax_total=D("4.79"), total_net=D("25.21"), total_gross=D("30.00")),
            **totals,
        ),
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
        shipping=services.ShippingChoice(method_name="Pickup"),
        details=services.OrderDetails(checkout_token="abc"),
    )


@pytest.fixture
def variant_id():
    return make_product(prices=["20.00"]).variants.get().pk


def test_without_auto_confirm_an_order_waits_for_staff(variant_id, settings):
    settings.ORDERS_AUTO_CONFIRM = False
    staff = StaffFactory()
    order = place(variant_id)
    assert order.status == "unconfirmed"

    services.confirm_order(order=order, actor=Actor(user_id=staff.pk, label=staff.email))

    order.refresh_from_db()
    assert order.status == "unfulfilled"
    moved = order.events.get(type="status_changed")
    assert (moved.data, moved.actor_label, moved.user_id) == (
        {"from": "unconfirmed", "to": "unfulfilled"},
        staff.email,
        staff.pk,
    )


def test_an_order_is_written_with_its_lines_and_event(variant_id):
    order = place(variant_id)

    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("unfulfilled", "not_charged")
    assert order.placed_at is not None
    assert list(order.events.values_list("type", flat=True)) == ["placed"]
    assert (order.total_gross, order.email, order.checkout_token) == (
        D("30.00"),
        "guest@example.com",
        "abc",
    )
    assert list(order.lines.values_list("sku", "quantity", "total_gross", "tax_rate")) == [
        ("TEE-M", 2, D("30.00"), D("0.1900"))
    ]
    assert list(Event.objects.filter(name="order.created").values_list("payload", flat=True)) == [
        {"order_id": order.pk, "number": order.number}
    ]


def test_numbers_and_guest_tokens_are_unique(variant_id):
    orders = [place(variant_id) for _ in range(3)]

    numbers = [o.number for o in orders]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert all(n > placement.FIRST_NUMBER for n in numbers)
    assert len({o.guest_token for o in orders}) == 3
    assert all(len(o.guest_token) >= 32 for o in orders)


def test_an_order_rolled_back_with_its_caller_leaves_nothing(variant_id):
    with pytest.raises(RuntimeError), transaction.atomic():
        place(variant_id)
        raise RuntimeError("the voucher was used up")

    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not OrderNumber.objects.exists()
    assert not Event.objects.filter(name="order.created").exists()


def test_a_negative_total_is_refused_by_the_database(variant_id):
    with pytest.raises(IntegrityError), transaction.atomic():
        place(variant_id, total_gross=D("-0.01"))

    assert not Order.objects.exists()


def test_a_line_keeps_its_snapshot_when_the_variant_is_deleted(variant_id):
    order = place(variant_id)

    ProductVariant.objects.filter(pk=variant_id).delete()

    line = order.lines.get()
    assert (line.variant_id, line.sku, line.product_name) == (None, "TEE-M", "Tee")


def test_the_back_office_shows_an_order_read_only_without_its_guest_token(variant_id):
    order = place(variant_id)
    client = Client()
    client.force_login(StaffFactory(is_superuser=True))

    listed = client.get("/admin/orders/order/", {"q": str(order.number)})
    shown = client.get(f"/admin/orders/order/{order.pk}/change/")
    posted = client.post(f"/admin/orders/order/{order.pk}/change/", {"email": "x@example.com"})

    assert listed.status_code == 200 and str(order.number) in listed.content.decode()
    assert shown.status_code == 200
    assert "TEE-M" in shown.content.decode()
    assert order.guest_token not in shown.content.decode()
    assert posted.status_code != 500
    order.refresh_from_db()
    assert order.email == "guest@example.com"
    assert client.get(f"/admin/orders/order/{order.pk}/delete/").status_code == 403
