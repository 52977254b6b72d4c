import base64
import json
import uuid

import pytest

from mercato.customers.models import Address
from mercato.customers.services import MAX_ADDRESSES
from tests.support import AddressFactory

ADDRESSES = "/api/store/me/addresses"


def _url(address) -> str:
    return f"{ADDRESSES}/{address.public_id}"


def _error_fields(response) -> set[str]:
    return {error["field"] for error in response.json().get("errors", [])}


def _defaults(user) -> tuple[list, list]:
    rows = Address.objects.filter(user=user)
    return (
        list(rows.filter(is_default_shipping=True).values_list("public_id", flat=True)),
        list(rows.filter(is_default_billing=True).values_list("public_id", flat=True)),
    )


# --- create ---------------------------------------------------------------------------------


def test_first_address_becomes_default_shipping_and_billing(
    api, customer, customer_token, address_data
):
    response = api.post_json(ADDRESSES, address_data, token=customer_token)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_default_shipping"] is True
    assert body["is_default_billing"] is True
    address = Address.objects.get(public_id=body["id"])
    assert address.user == customer
    assert (address.line1, address.city, address.country) == ("Unter den Linden 1", "Berlin", "DE")
    assert _defaults(customer) == ([address.public_id], [address.public_id])


def test_later_addresses_do_not_take_the_defaults_unless_asked(
    api, customer, customer_token, address_data
):
    first = api.post_json(ADDRESSES, address_data, token=customer_token).json()

    second = api.post_json(ADDRESSES, {**address_data, "city": "Hamburg"}, token=customer_token)

    assert second.status_code == 201
    assert second.json()["is_default_shipping"] is False
    assert second.json()["is_default_billing"] is False
    assert _defaults(customer) == ([uuid.UUID(first["id"])], [uuid.UUID(first["id"])])


def test_a_new_default_address_clears_the_previous_default(
    api, customer, customer_token, address_data
):
    first = api.post_json(ADDRESSES, address_data, token=customer_token).json()

    second = api.post_json(
        ADDRESSES, {**address_data, "is_default_billing": True}, token=customer_token
    ).json()

    assert _defaults(customer) == ([uuid.UUID(first["id"])], [uuid.UUID(second["id"])])


def test_country_and_postal_code_are_normalised(api, customer, customer_token, address_data):
    response = api.post_json(
        ADDRESSES,
        {**address_data, "country": "gb", "postal_code": " sw1a   1aa "},
        token=customer_token,
    )

    assert response.status_code == 201
    address = Address.objects.get(public_id=response.json()["id"])
    assert (address.country, address.postal_code) == ("GB", "SW1A 1AA")


@pytest.mark.parametrize("country", ["XX", "zz", "D1"])
def test_unknown_country_code_is_422_invalid_address(
    api, customer, customer_token, address_data, country
):
    response = api.post_json(ADDRESSES, {**address_data, "country": country}, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_address"
    assert [e["field"] for e in response.json()["errors"]] == ["country"]
    assert _error_fields(response) == {"country"}
    assert not Address.objects.filter(user=customer).exists()


def test_missing_required_fields_are_named(api, customer, customer_token):
    response = api.post_json(ADDRESSES, {"company": "ACME"}, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert _error_fields(response) >= {"first_name", "last_name", "line1", "city", "country"}
    assert not Address.objects.filter(user=customer).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "x" * 151),
        ("line1", "x" * 201),
        ("city", "x" * 101),
        ("postal_code", "1" * 21),
        ("country", "DEU"),
        ("phone", "1" * 33),
        ("phone", "not a phone"),
        ("line1", "   "),
        ("is_default_shipping", "sometimes"),
        ("owner", "someone-else"),
    ],
)
def test_bad_fields_are_422_and_create_nothing(
    api, customer, customer_token, address_data, field, value
):
    response = api.post_json(ADDRESSES, {**address_data, field: value}, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert field in _error_fields(response)
    assert not Address.objects.filter(user=customer).exists()


def test_the_51st_address_is_refused(api, customer, customer_token, address_data):
    AddressFactory.create_batch(MAX_ADDRESSES, user=customer)

    response = api.post_json(ADDRESSES, address_data, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] == "address_book_full"
    assert Address.objects.filter(user=customer).count() == MAX_ADDRESSES


def test_the_address_book_limit_is_per_customer(api, customer_token, other_customer, address_data):
    AddressFactory.create_batch(MAX_ADDRESSES, user=other_customer)

    response = api.post_json(ADDRESSES, address_data, token=customer_token)

    assert response.status_code == 201


# --- list -----------------------------------------------------------------------------------


def test_list_pages_through_own_addresses_newest_first(api, customer, customer_token):
    mine = [AddressFactory(user=customer) for _ in range(5)]
    AddressFactory.create_batch(2)  # someone else's

    first = api.get_json(ADDRESSES, {"limit": 2}, token=customer_token)
    assert first.status_code == 200
    assert len(first.json()["items"]) == 2
    assert first.json()["next"]
    second = api.get_json(
        ADDRESSES, {"limit": 2, "cursor": first.json()["next"]}, token=customer_token
    ).json()
    third = api.get_json(ADDRESSES, {"limit": 2, "cursor": second["next"]}, token=customer_token)

    assert third.json()["next"] is None
    ids = [item["id"] for page in (first.json(), second, third.json()) for item in page["items"]]
    assert ids == [str(address.public_id) for address in reversed(mine)]


def test_list_of_an_empty_address_book(api, customer_token):
    response = api.get_json(ADDRESSES, token=customer_token)

    assert response.status_code == 200
    assert response.json() == {"items": [], "next": None}


@pytest.mark.parametrize("limit", [0, 101, "ten"])
def test_list_with_a_bad_limit_is_422(api, customer_token, limit):
    response = api.get_json(ADDRESSES, {"limit": limit}, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "limit" in _error_fields(response)


@pytest.mark.parametrize(
    "cursor",
    ["garbage!!", "bm90IGpzb24", base64.urlsafe_b64encode(b"[1]").decode(), "x" * 513],
)
def test_list_with_a_garbage_cursor_is_422(api, customer_token, cursor):
    response = api.get_json(ADDRESSES, {"cursor": cursor}, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] in {"invalid_cursor", "validation_error"}
    assert "cursor" in _error_fields(response)


def test_list_with_a_well_formed_cursor_of_wrong_types_is_422(api, customer_token):
    cursor = base64.urlsafe_b64encode(json.dumps(["a", "b"]).encode()).decode().rstrip("=")

    response = api.get_json(ADDRESSES, {"cursor": cursor}, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("count", [3, 30])
def test_list_runs_a_constant_number_of_queries(
    api, customer, customer_token, django_assert_max_num_queries, count
):
    AddressFactory.create_batch(count, user=customer)

    with django_assert_max_num_queries(2):
        response = api.get_json(ADDRESSES, {"limit": 100}, token=customer_token)

    assert len(response.json()["items"]) == count


def test_list_without_a_token_is_401(api, db):
    response = api.get_json(ADDRESSES)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- get, update, delete --------------------------------------------------------------------


def test_get_an_own_address(api, customer, customer_token):
    address = AddressFactory(user=customer)

    response = api.get_json(_url(address), token=customer_token)

    assert response.status_code == 200
    assert response.json()["id"] == str(address.public_id)
    assert response.json()["line1"] == address.line1


def test_get_an_unknown_address_is_404(api, customer_token):
    response = api.get_json(f"{ADDRESSES}/{uuid.uuid4()}", token=customer_token)

    assert response.status_code == 404
    assert response.json()["code"] == "address_not_found"


def test_get_with_a_malformed_id_is_not_found(api, customer_token):
    response = api.get_json(f"{ADDRESSES}/not-a-uuid", token=customer_token)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_patch_changes_only_the_fields_sent(api, customer, customer_token):
    address = AddressFactory(user=customer, city="Berlin", line2="")

    response = api.patch_json(
        _url(address), {"line2": "Hinterhaus", "country": "fr"}, token=customer_token
    )

    assert response.status_code == 200, response.content
    address.refresh_from_db()
    assert (address.line2, address.country, address.city) == ("Hinterhaus", "FR", "Berlin")


def test_patch_moving_the_defaults_leaves_exactly_one_of_each(
    api, customer, customer_token, address_data
):
    first = api.post_json(ADDRESSES, address_data, token=customer_token).json()
    second = api.post_json(ADDRESSES, address_data, token=customer_token).json()

    response = api.patch_json(
        f"{ADDRESSES}/{second['id']}",
        {"is_default_shipping": True, "is_default_billing": True},
        token=customer_token,
    )

    assert response.status_code == 200
    assert _defaults(customer) == ([uuid.UUID(second["id"])], [uuid.UUID(second["id"])])
    listed = api.get_json(ADDRESSES, token=customer_token).json()["items"]
    by_id = {item["id"]: item for item in listed}
    assert by_id[first["id"]]["is_default_shipping"] is False
    assert by_id[first["id"]]["is_default_billing"] is False


def test_patch_moving_only_shipping_keeps_billing(api, customer, customer_token, address_data):
    first = api.post_json(ADDRESSES, address_data, token=customer_token).json()
    second = api.post_json(ADDRESSES, address_data, token=customer_token).json()

    api.patch_json(
        f"{ADDRESSES}/{second['id']}", {"is_default_shipping": True}, token=customer_token
    )

    assert _defaults(customer) == ([uuid.UUID(second["id"])], [uuid.UUID(first["id"])])


def test_defaults_of_other_customers_are_untouched(
    api, customer, customer_token, other_customer, address_data
):
    theirs = AddressFactory(user=other_customer, is_default_shipping=True, is_default_billing=True)
    mine = api.post_json(ADDRESSES, address_data, token=customer_token).json()

    assert mine["is_default_shipping"] is True
    assert _defaults(other_customer) == ([theirs.public_id], [theirs.public_id])


@pytest.mark.parametrize(
    "body",
    [
        {"country": "XX"},
        {"first_name": ""},
        {"first_name": None},
        {"city": "x" * 101},
        {"is_default_billing": None},
        {"user": 1},
    ],
)
def test_patch_with_bad_input_is_422_and_changes_nothing(api, customer, customer_token, body):
    address = AddressFactory(user=customer)
    before = Address.objects.values().get(pk=address.pk)

    response = api.patch_json(_url(address), body, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] in {"validation_error", "invalid_address"}
    assert set(body) <= _error_fields(response)
    assert Address.objects.values().get(pk=address.pk) == before


def test_delete_an_own_address(api, customer, customer_token):
    address = AddressFactory(user=customer)
    kept = AddressFactory(user=customer)

    response = api.delete_json(_url(address), token=customer_token)

    assert response.status_code == 204
    assert list(Address.objects.filter(user=customer)) == [kept]
    assert api.get_json(_url(address), token=customer_token).status_code == 404


# --- another customer's address -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "body"),
    [("get", None), ("patch", {"city": "Stolen", "is_default_shipping": True}), ("delete", None)],
)
def test_another_customers_address_is_not_found_and_unchanged(
    api, customer, customer_token, other_customer, method, body
):
    theirs = AddressFactory(user=other_customer)
    before = Address.objects.values().get(pk=theirs.pk)

    response = api.call(method, _url(theirs), body, token=customer_token)

    assert response.status_code == 404
    assert response.json()["code"] == "address_not_found"
    assert Address.objects.values().get(pk=theirs.pk) == before
    assert not Address.objects.filter(user=customer).exists()


def test_another_customers_address_is_not_listed(api, customer_token, other_customer):
    AddressFactory(user=other_customer)

    response = api.get_json(ADDRESSES, token=customer_token)

    assert response.json()["items"] == []
