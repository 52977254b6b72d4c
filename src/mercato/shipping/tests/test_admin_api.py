import uuid

import pytest

from mercato.audit.models import AuditLogEntry
from mercato.shipping.models import ShippingMethod, ShippingRate, ShippingZone
from mercato.shipping.tests.factories import (
    bracket_json,
    brackets,
    make_method,
    make_zone,
    shipping_state,
)

ADMIN = "/api/admin/shipping"

pytestmark = pytest.mark.django_db


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


@pytest.fixture
def zone():
    return make_zone("Germany", ["DE"])


@pytest.fixture
def parcel(zone):
    return make_method(
        zone, "Parcel", kind="weight", rates=brackets((0, 2000, "5.00"), (2000, None, "9.00"))
    )


def test_zone_crud(api, owner, owner_token):
    created = api.post_json(
        f"{ADMIN}/zones", {"name": "DACH", "countries": ["de", "AT", "ch"]}, token=owner_token
    )
    assert created.status_code == 201, created.content
    assert created.json()["countries"] == ["AT", "CH", "DE"]
    assert created.json()["methods"] == []
    url = f"{ADMIN}/zones/{created.json()['id']}"

    changed = api.patch_json(url, {"countries": ["DE"], "is_active": False}, token=owner_token)
    assert changed.status_code == 200
    assert (changed.json()["countries"], changed.json()["is_active"]) == (["DE"], False)
    assert api.get_json(url, token=owner_token).json()["name"] == "DACH"

    assert api.delete_json(url, token=owner_token).status_code == 204
    assert not ShippingZone.objects.exists()
    assert list(
        AuditLogEntry.objects.filter(object_type="shipping.shippingzone")
        .order_by("id")
        .values_list("action", "actor_user_id", "source")
    ) == [
        ("create", owner.pk, "admin_api"),
        ("update", owner.pk, "admin_api"),
        ("delete", owner.pk, "admin_api"),
    ]


def test_method_crud_with_brackets(api, owner_token, zone):
    created = api.post_json(
        f"{ADMIN}/zones/{zone.public_id}/methods",
        {
            "name": "Parcel",
            "kind": "weight",
            "max_weight_grams": 31500,
            "min_delivery_days": 1,
            "max_delivery_days": 3,
            "tax_class_slug": "standard",
            "free_above": "100",
            "rates": [
                {"min_value": 2000, "max_value": None, "price": "9.00"},
                {"min_value": 0, "max_value": 2000, "price": 5},
            ],
        },
        token=owner_token,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["zone_id"] == str(zone.public_id)
    assert body["free_above"] == {"amount": "100.00", "currency": "EUR"}
    assert body["rates"] == [
        {"min_value": 0, "max_value": 2000, "price": {"amount": "5.00", "currency": "EUR"}},
        {"min_value": 2000, "max_value": None, "price": {"amount": "9.00", "currency": "EUR"}},
    ]
    url = f"{ADMIN}/methods/{body['id']}"

    repriced = api.patch_json(
        url, {"rates": [{"min_value": 0, "max_value": None, "price": "7.50"}]}, token=owner_token
    )
    assert repriced.status_code == 200, repriced.content
    assert [r["price"]["amount"] for r in repriced.json()["rates"]] == ["7.50"]

    flat = api.patch_json(url, {"kind": "flat", "price": "3.90"}, token=owner_token)
    assert (flat.json()["kind"], flat.json()["price"]["amount"]) == ("flat", "3.90")
    assert flat.json()["rates"] == []

    listed = api.get_json(f"{ADMIN}/methods", {"zone": str(zone.public_id)}, token=owner_token)
    assert [m["name"] for m in listed.json()] == ["Parcel"]

    assert api.delete_json(url, token=owner_token).status_code == 204
    assert not ShippingMethod.objects.exists()
    assert not ShippingRate.objects.exists()


def test_order_value_brackets_are_shown_as_amounts(api, owner_token, zone):
    make_method(
        zone, "By value", kind="order_value", rates=brackets(("0", "50", "6.90"), ("50", None, "0"))
    )

    zones = api.get_json(f"{ADMIN}/zones", token=owner_token).json()

    assert zones[0]["methods"][0]["rates"] == [
        {"min_value": "0.00", "max_value": "50.00", "price": {"amount": "6.90", "currency": "EUR"}},
        {"min_value": "50.00", "max_value": None, "price": {"amount": "0.00", "currency": "EUR"}},
    ]


def test_moving_a_method_to_another_zone(api, owner_token, parcel):
    austria = make_zone("Austria", ["AT"])

    url = f"{ADMIN}/methods/{parcel.public_id}"

    moved = api.patch_json(url, {"zone_id": str(austria.public_id)}, token=owner_token)

    assert moved.status_code == 200
    assert ShippingMethod.objects.get(pk=parcel.pk).zone == austria


def test_bad_input_is_a_problem_and_changes_nothing(api, owner_token, zone, parcel):
    nowhere = uuid.uuid4()
    before = shipping_state()
    method_url = f"{ADMIN}/methods/{parcel.public_id}"
    cases = [
        (api.post_json(f"{ADMIN}/zones", {"name": "X", "countries": ["XX"]}, token=owner_token),
         422, "invalid_country"),
        (api.post_json(f"{ADMIN}/zones", {"countries": ["DE"]}, token=owner_token),
         422, "validation_error"),
        (api.post_json(f"{ADMIN}/zones", {"name": "X", "colour": "red"}, token=owner_token),
         422, "validation_error"),
        (api.post_json(f"{ADMIN}/zones", {"name": "X", "countries": ["DE"] * 301},
                       token=owner_token), 422, "validation_error"),
        (api.patch_json(f"{ADMIN}/zones/{zone.public_id}", {"countries": ["DE", "ZZ"]},
                        token=owner_token), 422, "invalid_country"),
        (api.patch_json(f"{ADMIN}/zones/{nowhere}", {"name": "Y"}, token=owner_token),
         404, "zone_not_found"),
        (api.get_json(f"{ADMIN}/zones/{nowhere}", token=owner_token), 404, "zone_not_found"),
        (api.delete_json(f"{ADMIN}/zones/{nowhere}", token=owner_token), 404, "zone_not_found"),
        (api.get_json(f"{ADMIN}/methods", {"zone": str(nowhere)}, token=owner_token),
         404, "zone_not_found"),
        (api.post_json(f"{ADMIN}/zones/{nowhere}/methods", {"name": "M"}, token=owner_token),
         404, "zone_not_found"),
        (api.post_json(f"{ADMIN}/zones/{zone.public_id}/methods",
                       {"name": "M", "price": "-1"}, token=owner_token), 422, "invalid_price"),
        (api.post_json(f"{ADMIN}/zones/{zone.public_id}/methods",
                       {"name": "M", "price": "99999999999999999999"}, token=owner_token),
         422, "invalid_price"),
        (api.post_json(f"{ADMIN}/zones/{zone.public_id}/methods",
                       {"name": "M", "kind": "weight"}, token=owner_token),
         422, "missing_brackets"),
        (api.post_json(f"{ADMIN}/zones/{zone.public_id}/methods",
                       {"name": "M", "rates": [{"min_value": 0, "price": 1}]}, token=owner_token),
         422, "brackets_not_allowed"),
        (api.post_json(f"{ADMIN}/zones/{zone.public_id}/methods",
                       {"name": "M", "min_weight_grams": 10**20}, token=owner_token),
         422, "invalid_weight"),
        (api.patch_json(method_url, {"rates": bracket_json((0, 1000, "5"), (500, None, "6"))},
                        token=owner_token), 422, "overlapping_brackets"),
        (api.patch_json(method_url, raw='{"rates": [{"min_value": 0, "price": 1e400}]}',
                        token=owner_token), 422, "validation_error"),
        (api.patch_json(method_url, {"kind": "flat", "rates": bracket_json((0, None, "5"))},
                        token=owner_token), 422, "brackets_not_allowed"),
        (api.patch_json(method_url, {"min_delivery_days": 9, "max_delivery_days": 1},
                        token=owner_token), 422, "invalid_delivery_estimate"),
        (api.patch_json(method_url, {"currency": "USD"}, token=owner_token),
         422, "unsupported_currency"),
        (api.patch_json(method_url, {"is_active": None}, token=owner_token),
         422, "validation_error"),
        (api.patch_json(method_url, {"zone_id": str(nowhere)}, token=owner_token),
         404, "zone_not_found"),
        (api.patch_json(f"{ADMIN}/methods/{nowhere}", {"name": "Y"}, token=owner_token),
         404, "shipping_method_not_found"),
        (api.get_json(f"{ADMIN}/methods/{nowhere}", token=owner_token),
         404, "shipping_method_not_found"),
        (api.delete_json(f"{ADMIN}/methods/{nowhere}", token=owner_token),
         404, "shipping_method_not_found"),
        (api.get_json(f"{ADMIN}/methods/not-a-uuid", token=owner_token), 404, "not_found"),
        (api.post_json(f"{ADMIN}/zones", raw="{not json", token=owner_token),
         400, "malformed_json"),
    ]  # fmt: skip

    for response, status, code in cases:
        refused(response, status, code)
    assert shipping_state() == before


def test_the_audit_log_holds_the_bracket_change(api, owner, owner_token, parcel):
    api.patch_json(
        f"{ADMIN}/methods/{parcel.public_id}",
        {"rates": [{"min_value": 0, "price": "6.00"}]},
        token=owner_token,
    )

    entry = AuditLogEntry.objects.filter(object_id=str(parcel.public_id)).latest("id")
    assert (entry.action, entry.actor_user_id) == ("update", owner.pk)
    assert entry.changes["rates"] == [
        [["0.00", "2000.00", "5.00"], ["2000.00", None, "9.00"]],
        [["0.00", None, "6.00"]],
    ]


def _endpoints(zone_id, method_id):
    return [
        ("get", f"{ADMIN}/zones", None),
        ("post", f"{ADMIN}/zones", {"name": "New", "countries": ["FR"]}),
        ("get", f"{ADMIN}/zones/{zone_id}", None),
        ("patch", f"{ADMIN}/zones/{zone_id}", {"name": "Renamed"}),
        ("delete", f"{ADMIN}/zones/{zone_id}", None),
        ("get", f"{ADMIN}/methods", None),
        ("post", f"{ADMIN}/zones/{zone_id}/methods", {"name": "New"}),
        ("get", f"{ADMIN}/methods/{method_id}", None),
        ("patch", f"{ADMIN}/methods/{method_id}", {"name": "Renamed"}),
        ("delete", f"{ADMIN}/methods/{method_id}", None),
    ]


def test_every_endpoint_needs_a_staff_token_with_the_permission(
    api, zone, parcel, customer_token, staff_token_without_permissions
):
    before = shipping_state()

    for method, url, body in _endpoints(zone.public_id, parcel.public_id):
        refused(api.call(method, url, body), 401, "not_authenticated")
        refused(api.call(method, url, body, token=customer_token), 401, "invalid_token")
        refused(
            api.call(method, url, body, token=staff_token_without_permissions),
            403,
            "permission_denied",
        )
    assert shipping_state() == before


def test_view_permissions_allow_reading_only(api, zone, parcel, viewer_token):
    before = shipping_state()

    for method, url, body in _endpoints(zone.public_id, parcel.public_id):
        response = api.call(method, url, body, token=viewer_token)
        if method == "get":
            assert response.status_code == 200, (url, response.content)
        else:
            refused(response, 403, "permission_denied")
    assert shipping_state() == before


@pytest.mark.parametrize("count", [2, 20])
def test_admin_lists_cost_the_same_queries_for_2_or_20_methods(
    api, owner_token, count, django_assert_max_num_queries
):
    zones = [make_zone("Germany", ["DE"]), make_zone("France", ["FR"])]
    for i in range(count):
        make_method(zones[i % 2], f"Weight {i}", kind="weight", rates=brackets((0, None, "7")))

    with django_assert_max_num_queries(6):
        listed_zones = api.get_json(f"{ADMIN}/zones", token=owner_token)
    with django_assert_max_num_queries(5):
        listed_methods = api.get_json(f"{ADMIN}/methods", token=owner_token)

    assert sum(len(z["methods"]) for z in listed_zones.json()) == count
    assert len(listed_methods.json()) == count
