import pytest

from mercato.accounts.models import User
from mercato.core.models import Event
from tests.support import PASSWORD, UserFactory

ME = "/api/store/me"


def test_get_profile_shows_the_signed_in_customer(api, customer, customer_token):
    response = api.get_json(ME, token=customer_token)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(customer.public_id)
    assert body["email"] == customer.email
    assert body["first_name"] == customer.first_name
    assert body["email_verified"] is False
    assert "password" not in body


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_profile_without_a_token_is_a_401_problem(api, db, method):
    response = api.call(method, ME, {} if method != "get" else None)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"


def test_profile_with_a_forged_token_is_refused(api, db):
    response = api.get_json(ME, token="not-a-real-token")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_patch_changes_names_phone_and_marketing_opt_in(api, customer, customer_token):
    response = api.patch_json(
        ME,
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "phone": "+49 (30) 123-456",
            "marketing_opt_in": True,
        },
        token=customer_token,
    )

    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == "Grace"
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name) == ("Grace", "Hopper")
    assert customer.phone == "+49 (30) 123-456"
    assert customer.marketing_opt_in is True


def test_patch_leaves_fields_not_sent_alone(api, customer, customer_token):
    last_name = customer.last_name

    response = api.patch_json(ME, {"first_name": "Grace"}, token=customer_token)

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.first_name == "Grace"
    assert customer.last_name == last_name


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "call me maybe"}, "phone"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"phone": "1" * 33}, "phone"),
        ({"marketing_opt_in": "perhaps"}, "marketing_opt_in"),
        ({"first_name": None}, "first_name"),
        ({"marketing_opt_in": None}, "marketing_opt_in"),
        ({"email": "not-an-email", "current_password": PASSWORD}, "email"),
    ],
)
def test_patch_with_bad_input_is_422_and_changes_nothing(
    api, customer, customer_token, body, field
):
    before = User.objects.values().get(pk=customer.pk)

    response = api.patch_json(ME, body, token=customer_token)

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert field in [error["field"] for error in problem["errors"]]
    assert User.objects.values().get(pk=customer.pk) == before


def test_patch_with_an_unknown_field_is_422(api, customer, customer_token):
    response = api.patch_json(ME, {"is_staff": True}, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert "is_staff" in [error["field"] for error in response.json()["errors"]]
    customer.refresh_from_db()
    assert customer.is_staff is False


@pytest.mark.parametrize("password", [None, "wrong-password"])
def test_email_change_needs_the_current_password(api, customer, customer_token, password):
    email = customer.email
    body = {"email": "new@example.com", "first_name": "Changed"}
    if password:
        body["current_password"] = password

    response = api.patch_json(ME, body, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_current_password"
    customer.refresh_from_db()
    assert customer.email == email
    assert customer.first_name != "Changed"
    assert not Event.objects.filter(name="customer.email_changed").exists()


def test_email_change_to_a_taken_email_is_409(api, customer, customer_token):
    taken = UserFactory(email="taken@example.com")
    email = customer.email

    response = api.patch_json(
        ME, {"email": "Taken@Example.com", "current_password": PASSWORD}, token=customer_token
    )

    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    customer.refresh_from_db()
    assert customer.email == email
    assert User.objects.get(pk=taken.pk).email == "taken@example.com"


def test_email_change_resets_verification_and_records_an_event(api, customer, customer_token):
    User.objects.filter(pk=customer.pk).update(email_verified_at="2024-01-01T00:00:00Z")
    old_email = customer.email

    response = api.patch_json(
        ME, {"email": "New@Example.com", "current_password": PASSWORD}, token=customer_token
    )

    assert response.status_code == 200, response.content
    assert response.json()["email"] == "new@example.com"
    assert response.json()["email_verified"] is False
    customer.refresh_from_db()
    assert customer.email == "new@example.com"
    assert customer.email_verified_at is None
    event = Event.objects.get(name="customer.email_changed")
    assert event.payload == {"user_id": customer.pk, "old_email": old_email}


def test_email_unchanged_needs_no_password(api, customer, customer_token):
    User.objects.filter(pk=customer.pk).update(email_verified_at="2024-01-01T00:00:00Z")

    response = api.patch_json(ME, {"email": customer.email.upper()}, token=customer_token)

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.email_verified_at is not None
