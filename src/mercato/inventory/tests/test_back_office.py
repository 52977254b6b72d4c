import pytest
from django.test import Client

from mercato.audit.models import AuditLogEntry
from mercato.inventory import selectors, services
from mercato.inventory.models import Stock, StockMovement, Warehouse
from mercato.inventory.services import OrderLine
from mercato.inventory.tests.conftest import (
    inventory_state,
    make_variant,
    put_stock,
    stock_of,
)
from tests.support import StaffFactory

ADMIN = "/admin/inventory"


@pytest.fixture
def superuser(db):
    return StaffFactory(is_superuser=True)


@pytest.fixture
def back_office(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


WAREHOUSE_FORM = {"name": "Lyon", "slug": "", "countries": '["FR"]', "priority": "5",
                  "is_active": "on", "country": "fr"}  # fmt: skip


def test_every_inventory_page_answers(back_office, main, shirt, settings):
    settings.LOW_STOCK_THRESHOLD = 5
    put_stock(shirt, main, 3)
    put_stock(make_variant(), main, 50)
    stock = Stock.objects.get(variant=shirt)

    low = back_office.get(f"{ADMIN}/stock/", {"level": "low"})
    pages = [
        back_office.get(f"{ADMIN}/{page}/")
        for page in ("warehouse", "stock", "stockmovement", "reservation", "inventoryitem")
    ]
    pages.append(back_office.get(f"{ADMIN}/stock/{stock.pk}/change/"))

    assert [s.pk for s in low.context["cl"].result_list] == [stock.pk]
    assert [p.status_code for p in pages] == [200] * 6


def test_a_warehouse_is_added_through_the_service(back_office, superuser, db):
    response = back_office.post(f"{ADMIN}/warehouse/add/", WAREHOUSE_FORM)

    assert response.status_code == 302
    warehouse = Warehouse.objects.get()
    assert (warehouse.slug, warehouse.country, warehouse.countries) == ("lyon", "FR", ["FR"])
    assert AuditLogEntry.objects.filter(
        object_type="inventory.warehouse", action="create", actor_user=superuser
    ).exists()


def test_a_warehouse_with_an_unknown_country_is_refused(back_office, db):
    response = back_office.post(
        f"{ADMIN}/warehouse/add/", {**WAREHOUSE_FORM, "countries": '["ZZ"]'}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Warehouse.objects.exists()


def test_staff_adjust_a_stock_row_with_a_reason(back_office, superuser, main, shirt):
    stock = put_stock(shirt, main, 3)

    response = back_office.post(
        f"{ADMIN}/stock/{stock.pk}/change/",
        {"new_quantity": "9", "reason": "delivery", "movements-TOTAL_FORMS": "0",
         "movements-INITIAL_FORMS": "0"},
    )  # fmt: skip

    assert response.status_code == 302
    assert stock_of(shirt, main) == (9, 0)
    movement = StockMovement.objects.order_by("pk").last()
    assert (movement.reason, movement.actor_user_id) == ("delivery", superuser.pk)


def test_adjusting_below_allocated_in_the_back_office_changes_nothing(back_office, main, shirt):
    stock = put_stock(shirt, main, 5)
    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 4)], country=None
    )
    before = inventory_state()

    response = back_office.post(
        f"{ADMIN}/stock/{stock.pk}/change/",
        {"new_quantity": "2", "reason": "count", "movements-TOTAL_FORMS": "0",
         "movements-INITIAL_FORMS": "0"},
    )  # fmt: skip

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert inventory_state() == before


def test_backorders_are_set_through_the_service(back_office, main, shirt):
    put_stock(shirt, main, 0)

    response = back_office.post(
        f"{ADMIN}/inventoryitem/add/", {"variant": shirt.pk, "allow_backorders": "on"}
    )

    assert response.status_code == 302
    assert selectors.availability([shirt.pk])[shirt.pk].can_sell(5)


def test_an_empty_warehouse_is_deleted_through_the_service(back_office, superuser, main, shirt):
    empty = Warehouse.objects.create(name="Empty", slug="empty")
    put_stock(shirt, main, 1)

    deleted = back_office.post(f"{ADMIN}/warehouse/{empty.pk}/delete/", {"post": "yes"})
    protected = back_office.post(f"{ADMIN}/warehouse/{main.pk}/delete/", {"post": "yes"})

    assert deleted.status_code == 302
    assert list(Warehouse.objects.values_list("slug", flat=True)) == ["main"]
    assert AuditLogEntry.objects.filter(
        object_type="inventory.warehouse", action="delete", actor_user=superuser
    ).exists()
    assert protected.status_code == 200
