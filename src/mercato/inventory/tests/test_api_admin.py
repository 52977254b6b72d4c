import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import SYSTEM
from mercato.core.tests.helpers import assert_problem
from mercato.inventory import selectors, services
from mercato.inventory.models import InventoryItem, Stock, StockMovement, Warehouse
from mercato.inventory.services import OrderLine
from mercato.inventory.tests.conftest import (
    inventory_state,
    make_variant,
    make_variants,
    make_warehouse,
    put_stock,
    stock_of,
)

ADMIN = "/api/admin/inventory"
WAREHOUSES = f"{ADMIN}/warehouses"
STOCKS = f"{ADMIN}/stocks"
MOVEMENTS = f"{ADMIN}/movements"


@pytest.fixture
def annex(db):
    return make_warehouse("annex", priority=2)


def upload(api, token, content: bytes):
    return api.post(
        f"{STOCKS}/import",
        {"file": SimpleUploadedFile("stock.csv", content, content_type="text/csv")},
        headers={"Authorization": f"Bearer {token}"},
    )


def to_csv(rows: list[list[str]], header=("sku", "warehouse", "quantity", "reason")) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# --- warehouses -----------------------------------------------------------------------------


def test_staff_create_list_update_and_delete_warehouses(api, owner, owner_token):
    created = api.post_json(
        WAREHOUSES,
        {"name": "Berlin DC", "country": "de", "countries": ["de", "AT", "de"], "priority": 3},
        token=owner_token,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["slug"], body["country"], body["countries"]) == ("berlin-dc", "DE", ["AT", "DE"])

    changed = api.patch_json(
        f"{WAREHOUSES}/{body['id']}", {"priority": 1, "is_active": False}, token=owner_token
    )
    listed = api.get_json(WAREHOUSES, token=owner_token)
    deleted = api.delete_json(f"{WAREHOUSES}/{body['id']}", token=owner_token)

    assert (changed.json()["priority"], changed.json()["is_active"]) == (1, False)
    assert [w["slug"] for w in listed.json()] == ["berlin-dc"]
    assert deleted.status_code == 204
    assert not Warehouse.objects.exists()
    actions = AuditLogEntry.objects.filter(object_type="inventory.warehouse")
    assert sorted(actions.values_list("action", flat=True)) == ["create", "delete", "update"]
    assert set(actions.values_list("actor_user", flat=True)) == {owner.pk}


def test_a_warehouse_with_stock_cannot_be_deleted(api, owner_token, main, shirt):
    put_stock(shirt, main, 0)
    before = inventory_state()

    response = api.delete_json(f"{WAREHOUSES}/{main.public_id}", token=owner_token)

    assert_problem(response, 409, "warehouse_in_use")
    assert inventory_state() == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "X", "countries": ["ZZ"]}, 422, "invalid_country"),
        ({"name": "X", "country": "QQ"}, 422, "invalid_country"),
        ({"name": "Main"}, 409, "slug_taken"),
        ({"name": "X", "priority": -1}, 422, "validation_error"),
        ({"name": "X", "priority": True}, 422, "validation_error"),
        ({"name": ""}, 422, "validation_error"),
        ({"name": "X", "colour": "red"}, 422, "validation_error"),
    ],
)
def test_bad_warehouses_are_refused(api, owner_token, main, body, status, code):
    before = inventory_state()

    assert_problem(api.post_json(WAREHOUSES, body, token=owner_token), status, code)
    assert inventory_state() == before


def test_an_unknown_warehouse_is_not_found(api, owner_token, db):
    missing = f"{WAREHOUSES}/00000000-0000-4000-8000-000000000000"

    assert_problem(api.patch_json(missing, {"priority": 1}, token=owner_token), 404,
                   "warehouse_not_found")  # fmt: skip
    assert_problem(api.delete_json(missing, token=owner_token), 404, "warehouse_not_found")


def test_warehouse_list_query_count_does_not_grow(api, owner_token, db,
                                                  django_assert_max_num_queries):  # fmt: skip
    for count in (3, 30):
        while Warehouse.objects.count() < count:
            make_warehouse(f"w{Warehouse.objects.count()}")
        with django_assert_max_num_queries(4):
            response = api.get_json(WAREHOUSES, token=owner_token)
        assert len(response.json()) == count


# --- stock levels ---------------------------------------------------------------------------


@pytest.fixture
def levels(main, annex, settings):
    """plenty: 50 in main; low: 3 in main; out: 4 in annex, all allocated;
    custom: 8 in main with a threshold of 10."""
    settings.LOW_STOCK_THRESHOLD = 5
    plenty = make_variant(name="Plenty hat")
    low = make_variant(name="Low boot")
    out = make_variant(name="Out coat")
    custom = make_variant(name="Custom scarf")
    put_stock(plenty, main, 50)
    put_stock(low, main, 3)
    put_stock(out, annex, 4)
    put_stock(custom, main, 8)
    services.set_inventory_rules(variant=custom, actor=SYSTEM, low_stock_threshold=10)
    services.allocate_order(order_reference="o1", lines=[OrderLine("l1", out.pk, 4)], country=None)
    return plenty, low, out, custom


def listed(api, token, **params) -> list[tuple]:
    response = api.get_json(STOCKS, params, token=token)
    assert response.status_code == 200, response.content
    return [(r["sku"], r["warehouse"], r["quantity_free"]) for r in response.json()["items"]]


def test_stock_levels_with_filters(api, owner_token, levels):
    plenty, low, out, custom = levels

    everything = listed(api, owner_token)
    assert everything == [
        (plenty.sku, "main", 50),
        (low.sku, "main", 3),
        (out.sku, "annex", 0),
        (custom.sku, "main", 8),
    ]
    assert listed(api, owner_token, state="out") == [(out.sku, "annex", 0)]
    assert listed(api, owner_token, state="low") == [
        (low.sku, "main", 3),
        (out.sku, "annex", 0),
        (custom.sku, "main", 8),
    ]
    assert listed(api, owner_token, warehouse="annex") == [(out.sku, "annex", 0)]
    assert listed(api, owner_token, search="boot") == [(low.sku, "main", 3)]
    assert listed(api, owner_token, search=plenty.sku.lower()) == [(plenty.sku, "main", 50)]


def test_a_bad_stock_filter_is_refused(api, owner_token, levels):
    response = api.get_json(STOCKS, {"state": "empty"}, token=owner_token)

    assert_problem(response, 422, "validation_error")


def test_stock_list_pages_follow_the_cursor(api, owner_token, levels):
    first = api.get_json(STOCKS, {"limit": 3}, token=owner_token).json()
    second = api.get_json(STOCKS, {"limit": 3, "cursor": first["next"]}, token=owner_token).json()

    assert len(first["items"]) == 3
    assert [r["sku"] for r in second["items"]] == [levels[3].sku]
    assert second["next"] is None


def test_stock_list_query_count_does_not_grow(
    api, owner_token, main, annex, django_assert_max_num_queries
):
    variants = make_variants(15)
    for v in variants:
        put_stock(v, main, 2)
        put_stock(v, annex, 1)
    services.set_inventory_rules(variant=variants[0], actor=SYSTEM, low_stock_threshold=1)
    for limit in (3, 30):
        with django_assert_max_num_queries(4):
            response = api.get_json(STOCKS, {"limit": limit}, token=owner_token)
        assert len(response.json()["items"]) == limit


# --- adjust, transfer, rules ----------------------------------------------------------------


def test_staff_adjust_stock_with_a_reason(api, owner, owner_token, main, shirt):
    put_stock(shirt, main, 10)

    set_ = api.post_json(
        f"{STOCKS}/adjust",
        {"sku": shirt.sku, "warehouse": "main", "quantity": 7, "reason": "stocktake"},
        token=owner_token,
    )
    changed = api.post_json(
        f"{STOCKS}/adjust",
        {"sku": shirt.sku, "warehouse": "main", "delta": 5, "reason": "delivery"},
        token=owner_token,
    )

    assert set_.status_code == 200, set_.content
    assert (set_.json()["quantity"], changed.json()["quantity"]) == (7, 12)
    movement = StockMovement.objects.order_by("pk").last()
    assert (movement.reason, movement.actor_user_id, movement.actor_label) == (
        "delivery",
        owner.pk,
        owner.email,
    )
    entries = AuditLogEntry.objects.filter(verb="stock.adjustment", actor_user=owner)
    assert entries.count() == 2
    assert entries.first().source == "admin_api"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"quantity": -1}, 422, "validation_error"),
        ({"quantity": 1.5}, 422, "validation_error"),
        ({"quantity": True}, 422, "validation_error"),
        ({"quantity": "3"}, 422, "validation_error"),
        ({"quantity": 10**9}, 422, "validation_error"),
        ({"delta": -(10**9)}, 422, "validation_error"),
        ({"delta": 0.5}, 422, "validation_error"),
        ({"quantity": 1, "delta": 1}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ({"quantity": 1, "reason": ""}, 422, "validation_error"),
        ({"quantity": 1, "reason": "   "}, 422, "validation_error"),
        ({"quantity": 3}, 422, "below_allocated"),
        ({"delta": -7}, 422, "below_allocated"),
        ({"quantity": 5, "sku": "NOPE"}, 404, "variant_not_found"),
        ({"quantity": 5, "warehouse": "nope"}, 404, "warehouse_not_found"),
    ],
)
def test_a_bad_adjustment_is_refused_and_changes_nothing(
    api, owner_token, main, shirt, body, status, code
):
    put_stock(shirt, main, 10)
    services.allocate_order(
        order_reference="o1", lines=[OrderLine("l1", shirt.pk, 4)], country=None
    )
    before = inventory_state()

    response = api.post_json(
        f"{STOCKS}/adjust",
        {"sku": shirt.sku, "warehouse": "main", "reason": "count", **body},
        token=owner_token,
    )

    assert_problem(response, status, code)
    assert inventory_state() == before


def test_staff_transfer_stock(api, owner_token, main, annex, shirt):
    put_stock(shirt, main, 10)

    response = api.post_json(
        f"{STOCKS}/transfer",
        {"sku": shirt.sku, "source": "main", "destination": "annex", "quantity": 4},
        token=owner_token,
    )

    assert response.status_code == 200, response.content
    assert [(r["warehouse"], r["quantity"]) for r in response.json()] == [("main", 6), ("annex", 4)]
    assert stock_of(shirt, annex) == (4, 0)
    assert AuditLogEntry.objects.filter(verb="stock.transfer").exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"destination": "main"}, 422, "same_warehouse"),
        ({"quantity": 11}, 409, "insufficient_stock"),
        ({"quantity": 0}, 422, "validation_error"),
        ({"quantity": -2}, 422, "validation_error"),
        ({"quantity": 1.5}, 422, "validation_error"),
        ({"quantity": True}, 422, "validation_error"),
        ({"quantity": 10**9}, 422, "validation_error"),
        ({"destination": "nope"}, 404, "warehouse_not_found"),
        ({"source": "nope"}, 404, "warehouse_not_found"),
        ({"sku": "NOPE"}, 404, "variant_not_found"),
    ],
)
def test_a_bad_transfer_is_refused_and_changes_nothing(
    api, owner_token, main, annex, shirt, body, status, code
):
    put_stock(shirt, main, 10)
    before = inventory_state()

    response = api.post_json(
        f"{STOCKS}/transfer",
        {"sku": shirt.sku, "source": "main", "destination": "annex", "quantity": 1, **body},
        token=owner_token,
    )

    assert_problem(response, status, code)
    assert inventory_state() == before


def test_staff_set_backorders_and_a_threshold(api, owner, owner_token, main, shirt):
    put_stock(shirt, main, 3)

    response = api.put_json(
        f"{ADMIN}/variants/{shirt.sku}/rules",
        {"allow_backorders": True, "low_stock_threshold": 2},
        token=owner_token,
    )
    cleared = api.put_json(
        f"{ADMIN}/variants/{shirt.sku}/rules", {"low_stock_threshold": None}, token=owner_token
    )

    assert response.json() == {
        "sku": shirt.sku,
        "allow_backorders": True,
        "low_stock_threshold": 2,
        "is_low": False,
    }
    assert cleared.json()["low_stock_threshold"] is None
    assert cleared.json()["allow_backorders"] is True
    assert cleared.json()["is_low"] is True
    assert (
        AuditLogEntry.objects.filter(
            object_type="inventory.inventoryitem", actor_user=owner
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    ("sku", "body", "status", "code"),
    [
        (None, {"low_stock_threshold": -1}, 422, "validation_error"),
        (None, {"low_stock_threshold": 2.5}, 422, "validation_error"),
        (None, {"allow_backorders": "maybe"}, 422, "validation_error"),
        ("NOPE", {"allow_backorders": True}, 404, "variant_not_found"),
    ],
)
def test_bad_rules_are_refused(api, owner_token, main, shirt, sku, body, status, code):
    before = inventory_state()

    response = api.put_json(f"{ADMIN}/variants/{sku or shirt.sku}/rules", body, token=owner_token)

    assert_problem(response, status, code)
    assert inventory_state() == before
    assert not InventoryItem.objects.exists()


# --- movements ------------------------------------------------------------------------------


def test_the_movement_history_with_filters(api, owner_token, main, annex):
    a, b = make_variants(2)
    put_stock(a, main, 10)
    put_stock(b, annex, 10)
    services.allocate_order(order_reference="o-7", lines=[OrderLine("l1", a.pk, 2)], country=None)

    def kinds(**params):
        response = api.get_json(MOVEMENTS, params, token=owner_token)
        assert response.status_code == 200, response.content
        return [(m["sku"], m["warehouse"], m["kind"]) for m in response.json()["items"]]

    assert kinds() == [
        (a.sku, "main", "allocation"),
        (b.sku, "annex", "adjustment"),
        (a.sku, "main", "adjustment"),
    ]
    assert kinds(sku=b.sku) == [(b.sku, "annex", "adjustment")]
    assert kinds(warehouse="main") == [(a.sku, "main", "allocation"), (a.sku, "main", "adjustment")]
    assert kinds(order="o-7") == [(a.sku, "main", "allocation")]
    first = api.get_json(MOVEMENTS, {"order": "o-7"}, token=owner_token).json()["items"][0]
    assert (first["allocated_before"], first["allocated_after"], first["order_reference"]) == (
        0,
        2,
        "o-7",
    )


def test_movement_list_query_count_does_not_grow(
    api, owner_token, main, annex, django_assert_max_num_queries
):
    for v in make_variants(15):
        put_stock(v, main, 2)
        put_stock(v, annex, 1)
    for limit in (3, 30):
        with django_assert_max_num_queries(4):
            response = api.get_json(MOVEMENTS, {"limit": limit}, token=owner_token)
        assert len(response.json()["items"]) == limit


# --- CSV import -----------------------------------------------------------------------------


def test_csv_import_sets_quantities_and_reports_each_row(api, owner, owner_token, main, annex):
    a, b = make_variants(2)
    put_stock(a, main, 5)
    put_stock(b, main, 2)
    services.allocate_order(order_reference="o1", lines=[OrderLine("l1", b.pk, 2)], country=None)
    rows = [
        [a.sku, "main", "8", "delivery"],
        [a.sku, "annex", "3", ""],
        [b.sku, "main", "2", ""],
        [b.sku, "main", "1", ""],
        ["NOPE", "main", "1", ""],
        [a.sku, "nowhere", "1", ""],
        [a.sku, "main", "-1", ""],
        [a.sku, "main", "1.5", ""],
        [a.sku, "main", "²", ""],
        [a.sku, "main", str(10**9), ""],
    ]

    response = upload(api, owner_token, to_csv(rows))

    assert response.status_code == 200, response.content
    report = response.json()
    assert (report["rows"], report["changed"], report["unchanged"], report["failed"]) == (
        10,
        2,
        1,
        7,
    )
    assert [(e["row"], e["code"]) for e in report["errors"]] == [
        (5, "below_allocated"),
        (6, "variant_not_found"),
        (7, "warehouse_not_found"),
        (8, "invalid_quantity"),
        (9, "invalid_quantity"),
        (10, "invalid_quantity"),
        (11, "invalid_quantity"),
    ]
    assert (stock_of(a, main), stock_of(a, annex), stock_of(b, main)) == ((8, 0), (3, 0), (2, 2))
    imported = StockMovement.objects.filter(kind="import").order_by("pk")
    assert [(m.reason, m.actor_user_id) for m in imported] == [
        ("delivery", owner.pk),
        ("stock import", owner.pk),
    ]
    assert selectors.verify_ledger() == []


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (to_csv([["X", "main"]], header=("sku", "warehouse")), "invalid_csv_columns"),
        (b"", "empty_csv"),  # the one CSV row loop (core.csv_rows) says "empty" for it
        ("sku,warehouse,quantity\nKÄSE,main,1\n".encode("latin-1"), "invalid_encoding"),
        (b"\xff\xfe\x00s\x00k\x00u", "invalid_encoding"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused(api, owner_token, main, shirt, content, code):
    put_stock(shirt, main, 1)
    before = inventory_state()

    response = upload(api, owner_token, content)

    assert_problem(response, 400, code)
    assert inventory_state() == before


def test_a_bom_is_accepted(api, owner_token, main, shirt):
    content = b"\xef\xbb\xbf" + to_csv([[shirt.sku, "main", "4", ""]])

    assert upload(api, owner_token, content).json()["changed"] == 1
    assert stock_of(shirt, main) == (4, 0)


# --- permissions ----------------------------------------------------------------------------

CALLS = [
    ("get", WAREHOUSES, None),
    ("post", WAREHOUSES, {"name": "X"}),
    ("patch", f"{WAREHOUSES}/{{warehouse}}", {"priority": 1}),
    ("delete", f"{WAREHOUSES}/{{warehouse}}", None),
    ("get", STOCKS, None),
    ("post", f"{STOCKS}/adjust", {"sku": "{sku}", "warehouse": "main", "quantity": 1,
                                   "reason": "x"}),
    ("post", f"{STOCKS}/transfer", {"sku": "{sku}", "source": "main", "destination": "annex",
                                     "quantity": 1}),
    ("put", f"{ADMIN}/variants/{{sku}}/rules", {"allow_backorders": True}),
    ("get", MOVEMENTS, None),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_the_admin_api_needs_staff_with_permission(
    api,
    staff_token_without_permissions,
    customer_token,
    main,
    annex,
    shirt,
    method,
    path,
    body,
):
    put_stock(shirt, main, 5)
    path = path.format(warehouse=main.public_id, sku=shirt.sku)
    if body:
        body = {k: v.format(sku=shirt.sku) if isinstance(v, str) else v for k, v in body.items()}
    before = inventory_state()

    refused = api.call(method, path, body, token=staff_token_without_permissions)
    anonymous = api.call(method, path, body, token=customer_token)

    assert_problem(refused, 403, "permission_denied")
    assert anonymous.status_code == 401
    assert inventory_state() == before


def test_the_import_needs_permission(api, staff_token_without_permissions, customer_token, main):
    shirt = make_variant()
    content = to_csv([[shirt.sku, "main", "3", ""]])

    assert_problem(upload(api, staff_token_without_permissions, content), 403, "permission_denied")
    assert upload(api, customer_token, content).status_code == 401
    assert not Stock.objects.exists()
