import pytest

from mercato.accounts.models import AuthSession, User
from mercato.core.models import EmailMessageLog, Event
from mercato.customers.models import Address
from tests.support import PASSWORD, AddressFactory, run_tasks, sign_in

ME = "/api/store/me"
EXPORT = "/api/store/me/export"


@pytest.fixture
def customer_data(customer, other_customer):
    """Addresses and sent emails for the customer, and for someone else."""
    mine = AddressFactory(user=customer, line1="Mine 1", is_default_shipping=True)
    AddressFactory(user=other_customer, line1="Theirs 2")
    EmailMessageLog.objects.create(
        to=customer.email, template="verify_email", subject="Confirm", user=customer
    )
    EmailMessageLog.objects.create(
        to=other_customer.email, template="verify_email", subject="Theirs", user=other_customer
    )
    return mine


def test_export_holds_the_customers_own_data(api, customer, customer_token, customer_data):
    response = api.get_json(EXPORT, token=customer_token)

    assert response.status_code == 200
    data = response.json()
    assert data["account"]["id"] == str(customer.public_id)
    assert data["account"]["email"] == customer.email
    assert data["account"]["first_name"] == customer.first_name
    assert len(data["account"]["sessions"]) == 1
    assert [a["id"] for a in data["addresses"]] == [str(customer_data.public_id)]
    assert data["addresses"][0]["line1"] == "Mine 1"
    assert data["addresses"][0]["is_default_shipping"] is True
    assert data["emails_sent"] == [
        {"to": customer.email, "subject": "Confirm", "sent_at": data["emails_sent"][0]["sent_at"]}
    ]


def test_export_holds_nothing_of_another_customer(
    api, customer_token, other_customer, customer_data
):
    response = api.get_json(EXPORT, token=customer_token)

    text = response.content.decode()
    assert other_customer.email not in text
    assert str(other_customer.public_id) not in text
    assert "Theirs" not in text


def test_export_lists_the_emails_really_sent(api, db, mailoutbox):
    api.post_json("/api/store/auth/register", {"email": "ada@example.com", "password": PASSWORD})
    run_tasks()
    token = sign_in(User.objects.get(email="ada@example.com")).access_token

    response = api.get_json(EXPORT, token=token)

    sent = response.json()["emails_sent"]
    assert [email["to"] for email in sent] == ["ada@example.com"]
    assert sent[0]["subject"] == mailoutbox[0].subject


def test_export_needs_a_token(api, db):
    response = api.get_json(EXPORT)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("body", [{"password": "wrong-password"}, {"password": ""}, {}])
def test_erase_with_a_wrong_password_changes_nothing(
    api, customer, customer_token, customer_data, body
):
    before = User.objects.values().get(pk=customer.pk)

    response = api.delete_json(ME, body, token=customer_token)

    assert response.status_code == 422
    assert response.json()["code"] in {"invalid_current_password", "validation_error"}
    assert User.objects.values().get(pk=customer.pk) == before
    assert Address.objects.filter(user=customer).count() == 1
    assert EmailMessageLog.objects.filter(user=customer).count() == 1
    assert api.get_json(ME, token=customer_token).status_code == 200
    assert not Event.objects.filter(name="customer.erased").exists()


def test_erase_anonymises_the_account_and_ends_every_session(
    api, customer, customer_token, other_customer, customer_data
):
    email = customer.email
    second_session = sign_in(customer).access_token

    response = api.delete_json(ME, {"password": PASSWORD}, token=customer_token)

    assert response.status_code == 204
    user = User.objects.get(pk=customer.pk)
    assert user.email != email
    assert (user.first_name, user.last_name, user.phone) == ("", "", "")
    assert user.is_active is False
    assert user.erased_at is not None
    assert not user.has_usable_password()
    assert not Address.objects.filter(user=customer).exists()
    assert not EmailMessageLog.objects.filter(user=customer).exists()
    assert not AuthSession.objects.filter(user=customer, revoked_at__isnull=True).exists()
    for token in (customer_token, second_session):
        assert api.get_json(ME, token=token).status_code == 401
    assert Event.objects.filter(name="customer.erased", payload__user_id=customer.pk).exists()
    assert Address.objects.filter(user=other_customer).count() == 1
    assert EmailMessageLog.objects.filter(user=other_customer).count() == 1


def test_an_erased_account_cannot_log_in(api, customer, customer_token):
    email = customer.email
    api.delete_json(ME, {"password": PASSWORD}, token=customer_token)

    response = api.post_json("/api/store/auth/login", {"email": email, "password": PASSWORD})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_an_erased_email_can_register_again(api, customer, customer_token):
    email = customer.email
    api.delete_json(ME, {"password": PASSWORD}, token=customer_token)

    response = api.post_json("/api/store/auth/register", {"email": email, "password": PASSWORD})

    assert response.status_code == 202
    fresh = User.objects.get(email=email)
    assert fresh.pk != customer.pk
    assert fresh.is_active is True


def test_erase_drops_the_old_email_from_event_payloads(api, customer, customer_token):
    old_email = customer.email
    api.patch_json(
        ME, {"email": "new@example.com", "current_password": PASSWORD}, token=customer_token
    )

    api.delete_json(ME, {"password": PASSWORD}, token=customer_token)

    assert Event.objects.filter(name="customer.email_changed").exists()
    assert not Event.objects.filter(payload__old_email=old_email).exists()


def test_erase_password_guesses_are_rate_limited(api, customer, customer_token):
    for _ in range(10):
        wrong = api.delete_json(ME, {"password": "wrong-password"}, token=customer_token)
        assert wrong.status_code == 422

    blocked = api.delete_json(ME, {"password": PASSWORD}, token=customer_token)

    assert blocked.status_code == 429
    assert blocked.json()["code"] == "rate_limited"
    customer.refresh_from_db()
    assert customer.is_active and customer.erased_at is None
