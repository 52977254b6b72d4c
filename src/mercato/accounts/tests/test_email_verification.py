import pytest
from django.core import signing

from mercato.accounts.errors import EmailTaken
from mercato.accounts.models import User
from mercato.accounts.services import ProfileChanges, update_profile
from mercato.accounts.tests.helpers import link_token
from mercato.accounts.tokens import make_email_verification_token
from mercato.core.errors import InvalidInput, RateLimited
from tests.support import PASSWORD, run_tasks, sign_in

VERIFY = "/api/store/auth/email/verify"
REQUEST = "/api/store/auth/email/verification"
NEW_PASSWORD = "Another-long-secret-42"


def _code(response) -> str:
    return response.json()["code"]


@pytest.fixture
def registered(api, db, mailoutbox):
    """A customer who registered through the API, and the token of the welcome email."""
    api.post_json(
        "/api/store/auth/register", {"email": "new@example.com", "password": NEW_PASSWORD}
    )
    run_tasks()
    (message,) = mailoutbox
    mailoutbox.clear()
    return User.objects.get(email="new@example.com"), link_token(message)


def test_welcome_email_token_verifies_the_address(api, registered):
    user, token = registered

    response = api.post_json(VERIFY, {"token": token})

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.is_email_verified


def test_verification_token_works_once(api, registered):
    user, token = registered
    api.post_json(VERIFY, {"token": token})
    user.refresh_from_db()
    verified_at = user.email_verified_at

    response = api.post_json(VERIFY, {"token": token})

    assert response.status_code == 400
    assert _code(response) == "token_used"
    user.refresh_from_db()
    assert user.email_verified_at == verified_at


@pytest.mark.parametrize(
    "make_token",
    [
        lambda user: "garbage",
        lambda user: signing.dumps(
            {"u": user.public_id.hex, "e": user.email},
            salt="mercato.accounts.verify-email",
            key="x",
        ),
        lambda user: signing.dumps({"u": user.public_id.hex}, salt="mercato.accounts.verify-email"),
        lambda user: signing.dumps(
            {"u": user.public_id.hex, "e": user.email}, salt="mercato.accounts.access"
        ),
    ],
    ids=["garbage", "forged", "incomplete", "other-salt"],
)
def test_bad_verification_token_is_refused(api, customer, make_token):
    response = api.post_json(VERIFY, {"token": make_token(customer)})

    assert response.status_code == 400
    assert _code(response) == "invalid_token"
    customer.refresh_from_db()
    assert not customer.is_email_verified


def test_expired_verification_token_is_refused(api, customer, settings):
    token = make_email_verification_token(customer)
    settings.EMAIL_VERIFICATION_TIMEOUT = -1

    response = api.post_json(VERIFY, {"token": token})

    assert _code(response) == "invalid_token"
    customer.refresh_from_db()
    assert not customer.is_email_verified


def test_request_verification_again_sends_a_new_link(api, registered, mailoutbox):
    user, _ = registered
    token = sign_in(user).access_token

    response = api.post_json(REQUEST, token=token)

    assert response.status_code == 202
    run_tasks()
    (message,) = mailoutbox
    assert message.to == [user.email]
    assert "Welcome" not in message.body
    assert api.post_json(VERIFY, {"token": link_token(message)}).status_code == 200


def test_request_verification_when_verified_is_refused(api, registered, mailoutbox):
    user, token = registered
    api.post_json(VERIFY, {"token": token})

    response = api.post_json(REQUEST, token=sign_in(user).access_token)

    assert response.status_code == 422
    assert _code(response) == "already_verified"
    run_tasks()
    assert mailoutbox == []


def test_request_verification_needs_a_token(api, db):
    assert api.post_json(REQUEST).status_code == 401


# --- changing the email (update_profile) ----------------------------------------------------


def test_changing_email_resets_verification_and_tells_both_addresses(api, registered, mailoutbox):
    user, old_token = registered
    api.post_json(VERIFY, {"token": old_token})
    user.refresh_from_db()

    update_profile(
        user=user, changes=ProfileChanges(email="Moved@Example.com"), current_password=NEW_PASSWORD
    )

    user.refresh_from_db()
    assert user.email == "moved@example.com"
    assert not user.is_email_verified
    run_tasks()
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {"new@example.com", "moved@example.com"}
    assert "changed" in by_address["new@example.com"].subject
    new_token = link_token(by_address["moved@example.com"])
    assert api.post_json(VERIFY, {"token": new_token}).status_code == 200
    user.refresh_from_db()
    assert user.is_email_verified


def test_old_address_token_does_not_verify_the_new_address(api, registered):
    user, old_token = registered
    update_profile(
        user=user, changes=ProfileChanges(email="moved@example.com"), current_password=NEW_PASSWORD
    )

    response = api.post_json(VERIFY, {"token": old_token})

    assert _code(response) == "invalid_token"
    user.refresh_from_db()
    assert not user.is_email_verified


@pytest.mark.parametrize("current_password", [None, "", "Wrong-password-1"])
def test_changing_email_needs_the_current_password(customer, current_password):
    old_email = customer.email

    with pytest.raises(InvalidInput) as raised:
        update_profile(
            user=customer,
            changes=ProfileChanges(email="moved@example.com", first_name="Changed"),
            current_password=current_password,
        )

    assert raised.value.code == "invalid_current_password"
    customer.refresh_from_db()
    assert customer.email == old_email
    assert customer.first_name != "Changed"


def test_guessing_the_password_through_an_email_change_is_rate_limited(customer, clock):
    for _ in range(10):
        with pytest.raises(InvalidInput):
            update_profile(
                user=customer,
                changes=ProfileChanges(email="moved@example.com"),
                current_password="Guess-1",
            )

    with pytest.raises(RateLimited):
        update_profile(
            user=customer,
            changes=ProfileChanges(email="moved@example.com"),
            current_password=PASSWORD,
        )

    customer.refresh_from_db()
    assert customer.email != "moved@example.com"


def test_changing_email_to_a_taken_one_is_refused(customer, other_customer):
    with pytest.raises(EmailTaken):
        update_profile(
            user=customer,
            changes=ProfileChanges(email=other_customer.email.upper()),
            current_password=PASSWORD,
        )

    assert User.objects.filter(email=other_customer.email).get() == other_customer


def test_same_email_in_other_case_needs_no_password_and_keeps_verification(customer):
    User.objects.filter(pk=customer.pk).update(email_verified_at="2024-01-01T00:00:00Z")

    user = update_profile(
        user=customer, changes=ProfileChanges(email=customer.email.upper(), last_name="Lovelace")
    )

    user.refresh_from_db()
    assert user.email == customer.email
    assert user.last_name == "Lovelace"
    assert user.is_email_verified


def test_update_profile_refuses_unknown_fields(customer):
    with pytest.raises(TypeError):
        update_profile(user=customer, changes=ProfileChanges(is_staff=True))  # type: ignore[call-arg]

    customer.refresh_from_db()
    assert not customer.is_staff


def test_email_change_through_the_store_api(api, customer):
    token = sign_in(customer).access_token

    refused = api.patch_json("/api/store/me", {"email": "moved@example.com"}, token=token)
    accepted = api.patch_json(
        "/api/store/me",
        {"email": "moved@example.com", "current_password": PASSWORD},
        token=token,
    )

    assert refused.status_code == 422
    assert _code(refused) == "invalid_current_password"
    assert accepted.status_code == 200
    customer.refresh_from_db()
    assert customer.email == "moved@example.com"
