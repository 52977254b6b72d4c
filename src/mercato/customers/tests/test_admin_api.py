import uuid

import pytest

from tests.support import AddressFactory, UserFactory

CUSTOMERS = "/api/admin/customers"


def test_list_shows_customers_newest_first_without_staff(api, owner, owner_token):
    older = UserFactory()
    newer = UserFactory()
    AddressFactory.create_batch(2, user=newer)

    response = api.get_json(CUSTOMERS, token=owner_token)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [str(newer.public_id), str(older.public_id)]
    assert [item["address_count"] for item in items] == [2, 0]
    assert owner.email not in response.content.decode()


def test_list_leaves_out_erased_customers(api, owner_token):
    UserFactory(erased_at="2024-01-01T00:00:00Z", email="erased-1@erased.invalid")
    kept = UserFactory()

    items = api.get_json(CUSTOMERS, token=owner_token).json()["items"]

    assert [item["id"] for item in items] == [str(kept.public_id)]


@pytest.mark.parametrize(
    ("search", "expected"),
    [("ADA@", ["ada"]), ("lovelace", ["ada"]), ("hop", ["grace"]), ("+4930", ["ada"]), ("zzz", [])],
)
def test_list_searches_email_name_and_phone(api, owner_token, search, expected):
    people = {
        "ada": UserFactory(email="ada@example.com", last_name="Lovelace", phone="+4930111"),
        "grace": UserFactory(email="grace@example.com", last_name="Hopper", phone="555"),
    }

    response = api.get_json(CUSTOMERS, {"search": search}, token=owner_token)

    assert response.status_code == 200
    assert {item["id"] for item in response.json()["items"]} == {
        str(people[name].public_id) for name in expected
    }


def test_list_pages_with_a_cursor(api, owner_token):
    customers = UserFactory.create_batch(5)

    seen, cursor = [], None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get_json(CUSTOMERS, params, token=owner_token).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]

    assert cursor is None
    assert sorted(seen) == sorted(str(c.public_id) for c in customers)
    assert len(seen) == 5


@pytest.mark.parametrize("params", [{"limit": 101}, {"cursor": "garbage!!"}, {"search": "x" * 101}])
def test_list_with_bad_parameters_is_422(api, owner_token, params):
    response = api.get_json(CUSTOMERS, params, token=owner_token)

    assert response.status_code == 422
    assert response.json()["code"] in {"validation_error", "invalid_cursor"}
    assert set(params) <= {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize("count", [3, 30])
def test_list_runs_a_constant_number_of_queries(
    api, owner_token, django_assert_max_num_queries, count
):
    for customer in UserFactory.create_batch(count):
        AddressFactory(user=customer)

    with django_assert_max_num_queries(4):
        response = api.get_json(CUSTOMERS, {"limit": 100}, token=owner_token)

    assert len(response.json()["items"]) == count


def test_detail_shows_the_customer_with_addresses(api, owner_token, customer):
    address = AddressFactory(user=customer, is_default_billing=True)
    AddressFactory()  # someone else's

    response = api.get_json(f"{CUSTOMERS}/{customer.public_id}", token=owner_token)

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == customer.email
    assert body["marketing_opt_in"] is False
    assert [a["id"] for a in body["addresses"]] == [str(address.public_id)]
    assert body["addresses"][0]["is_default_billing"] is True


def test_detail_of_an_unknown_id_is_404(api, owner_token):
    response = api.get_json(f"{CUSTOMERS}/{uuid.uuid4()}", token=owner_token)

    assert response.status_code == 404
    assert response.json()["code"] == "customer_not_found"


def test_detail_of_a_staff_member_is_404(api, owner, owner_token):
    response = api.get_json(f"{CUSTOMERS}/{owner.public_id}", token=owner_token)

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["", "/{id}"])
def test_staff_without_permission_is_403(api, customer, staff_token_without_permissions, path):
    url = CUSTOMERS + path.format(id=customer.public_id)

    response = api.get_json(url, token=staff_token_without_permissions)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert customer.email not in response.content.decode()


@pytest.mark.parametrize("path", ["", "/{id}"])
def test_a_customer_token_is_401(api, customer, customer_token, path):
    url = CUSTOMERS + path.format(id=customer.public_id)

    response = api.get_json(url, token=customer_token)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_no_token_is_401(api, db):
    response = api.get_json(CUSTOMERS)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
