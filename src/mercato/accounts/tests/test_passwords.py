from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator

from mercato.accounts.models import AuthSession, User
from mercato.accounts.tests.helpers import link_token, log_in
from tests.support import PASSWORD, ApiClient, UserFactory, run_tasks, sign_in

CHANGE = "/api/store/auth/password/change"
RESET = "/api/store/auth/password/reset"
CONFIRM = "/api/store/auth/password/reset/confirm"
ME = "/api/store/me"
NEW_PASSWORD = "Brand-new-secret-77"


def _code(response) -> str:
    return response.json()["code"]


# --- change password ------------------------------------------------------------------------


def test_change_password_signs_out_other_sessions_only(api, customer, mailoutbox):
    current, other = sign_in(customer), sign_in(customer)

    response = api.post_json(
        CHANGE,
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        token=current.access_token,
    )

    assert response.status_code == 204
    assert api.get_json(ME, token=current.access_token).status_code == 200
    assert _code(api.get_json(ME, token=other.access_token)) == "session_revoked"
    other.session.refresh_from_db()
    assert other.session.revoked_reason == "password_changed"
    assert log_in(api, customer.email).status_code == 401
    assert log_in(api, customer.email, NEW_PASSWORD).status_code == 200
    run_tasks()
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([customer.email], f"Your {django_settings.SHOP_NAME} password was changed")
    ]


def test_change_password_with_wrong_current_password_changes_nothing(api, customer, mailoutbox):
    current, other = sign_in(customer), sign_in(customer)
    old_hash = customer.password

    response = api.post_json(
        CHANGE,
        {"current_password": "Wrong-password-1", "new_password": NEW_PASSWORD},
        token=current.access_token,
    )

    assert response.status_code == 422
    assert _code(response) == "invalid_current_password"
    assert response.json()["errors"][0]["field"] == "current_password"
    customer.refresh_from_db()
    assert customer.password == old_hash
    assert api.get_json(ME, token=other.access_token).status_code == 200
    run_tasks()
    assert mailoutbox == []


def test_change_password_to_a_weak_one_is_refused(api, customer):
    token = sign_in(customer).access_token

    response = api.post_json(
        CHANGE, {"current_password": PASSWORD, "new_password": "12345678"}, token=token
    )

    assert response.status_code == 422
    assert _code(response) == "weak_password"
    assert log_in(api, customer.email).status_code == 200


def test_change_password_attempts_are_rate_limited(api, customer, clock):
    token = sign_in(customer).access_token
    for _ in range(10):
        api.post_json(
            CHANGE,
            {"current_password": "Guess-password-1", "new_password": NEW_PASSWORD},
            token=token,
        )

    response = api.post_json(
        CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, token=token
    )

    assert response.status_code == 429
    assert _code(response) == "rate_limited"
    assert log_in(api, customer.email).status_code == 200


def test_change_password_needs_a_customer_token(api, customer):
    response = api.post_json(CHANGE, {"current_password": PASSWORD, "new_password": NEW_PASSWORD})

    assert response.status_code == 401
    assert log_in(api, customer.email).status_code == 200


# --- password reset -------------------------------------------------------------------------


def _reset_token(api, email, mailoutbox) -> str:
    assert api.post_json(RESET, {"email": email}).status_code == 202
    run_tasks()
    return link_token(mailoutbox[-1])


def test_reset_request_answers_the_same_for_known_and_unknown_email(api, customer, mailoutbox):
    known = api.post_json(RESET, {"email": customer.email.upper()})
    unknown = api.post_json(RESET, {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    run_tasks()
    assert [m.to for m in mailoutbox] == [[customer.email]]
    message = mailoutbox[0]
    assert message.subject == f"Reset your {django_settings.SHOP_NAME} password"
    prefix = django_settings.PASSWORD_RESET_URL.split("{token}")[0]
    assert prefix + link_token(message) in message.body


def test_reset_request_for_an_inactive_account_sends_nothing(api, db, mailoutbox):
    user = UserFactory(is_active=False)

    response = api.post_json(RESET, {"email": user.email})

    assert response.status_code == 202
    run_tasks()
    assert mailoutbox == []


def test_reset_sets_the_password_and_ends_every_session(api, customer, mailoutbox):
    sessions = [sign_in(customer), sign_in(customer)]
    token = _reset_token(api, customer.email, mailoutbox)

    response = api.post_json(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 204
    for pair in sessions:
        assert _code(api.get_json(ME, token=pair.access_token)) == "session_revoked"
    assert set(AuthSession.objects.values_list("revoked_reason", flat=True)) == {"password_reset"}
    assert log_in(api, customer.email).status_code == 401
    assert log_in(api, customer.email, NEW_PASSWORD).status_code == 200
    run_tasks()
    assert mailoutbox[-1].subject == f"Your {django_settings.SHOP_NAME} password was changed"


def test_reset_token_works_once(api, customer, mailoutbox):
    token = _reset_token(api, customer.email, mailoutbox)
    assert api.post_json(CONFIRM, {"token": token, "new_password": NEW_PASSWORD}).status_code == 204

    replay = api.post_json(CONFIRM, {"token": token, "new_password": "Yet-another-secret-3"})

    assert replay.status_code == 400
    assert _code(replay) == "invalid_token"
    assert log_in(api, customer.email, NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["garbage", "not-hex.abc-def", "0" * 32 + ".abc-def", "."],
)
def test_garbage_reset_token_is_refused(api, customer, token):
    response = api.post_json(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    assert _code(response) == "invalid_token"
    assert log_in(api, customer.email).status_code == 200


def test_reset_token_of_another_account_is_refused(api, customer, other_customer, mailoutbox):
    token = _reset_token(api, customer.email, mailoutbox)
    _, secret = token.split(".", 1)
    forged = f"{other_customer.public_id.hex}.{secret}"

    response = api.post_json(CONFIRM, {"token": forged, "new_password": NEW_PASSWORD})

    assert _code(response) == "invalid_token"
    assert log_in(api, other_customer.email).status_code == 200


def test_expired_reset_token_is_refused(api, customer, mailoutbox, monkeypatch, settings):
    token = _reset_token(api, customer.email, mailoutbox)
    later = default_token_generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)

    response = api.post_json(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    assert _code(response) == "invalid_token"
    assert log_in(api, customer.email).status_code == 200


def test_reset_with_a_weak_password_keeps_the_token_usable(api, customer, mailoutbox):
    token = _reset_token(api, customer.email, mailoutbox)

    weak = api.post_json(CONFIRM, {"token": token, "new_password": "password"})
    strong = api.post_json(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})

    assert weak.status_code == 422
    assert _code(weak) == "weak_password"
    assert strong.status_code == 204


def test_reset_lifts_a_login_lockout(api, customer, mailoutbox, settings, clock):
    for _ in range(settings.LOGIN_LOCKOUT_THRESHOLD):
        log_in(api, customer.email, "Wrong-password-1")
    assert _code(log_in(api, customer.email)) == "account_locked"
    token = _reset_token(api, customer.email, mailoutbox)

    api.post_json(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})

    assert log_in(api, customer.email, NEW_PASSWORD).status_code == 200


def test_reset_request_is_rate_limited_per_account(db, customer, clock):
    for n in range(3):
        client = ApiClient(REMOTE_ADDR=f"10.0.0.{n}")
        assert client.post_json(RESET, {"email": customer.email}).status_code == 202

    response = ApiClient(REMOTE_ADDR="10.0.1.1").post_json(RESET, {"email": customer.email})

    assert response.status_code == 429
    assert _code(response) == "rate_limited"
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    "payload",
    [{}, {"email": "not-an-email"}, {"email": "a@example.com", "extra": 1}],
)
def test_reset_request_bad_input_is_a_validation_problem(api, db, payload):
    response = api.post_json(RESET, payload)

    assert response.status_code == 422
    assert _code(response) == "validation_error"


# --- hashing --------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id(api, db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]

    response = api.post_json(
        "/api/store/auth/register", {"email": "argon@example.com", "password": NEW_PASSWORD}
    )

    assert response.status_code == 202
    user = User.objects.get(email="argon@example.com")
    assert user.password.startswith("argon2$argon2id$")
    assert NEW_PASSWORD not in user.password
    assert log_in(api, "argon@example.com", NEW_PASSWORD).status_code == 200


def test_plain_text_emails_are_not_html_escaped(api, customer, mailoutbox, settings):
    settings.SHOP_NAME = "Smith & O'Brien"
    customer.first_name = "Zoë & Co"
    customer.save(update_fields=["first_name"])

    _reset_token(api, customer.email, mailoutbox)

    message = mailoutbox[-1]
    assert message.subject == "Reset your Smith & O'Brien password"
    assert "Hello Zoë & Co," in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body
    assert "Zoë &amp; Co" in message.alternatives[0][0]  # the HTML part stays escaped
