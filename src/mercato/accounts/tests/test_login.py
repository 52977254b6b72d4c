import pytest
from django.conf import settings as django_settings

from mercato.accounts.models import AuthSession, RefreshToken
from mercato.accounts.tests.helpers import LOGIN, log_in
from tests.support import PASSWORD, ApiClient, StaffFactory, UserFactory

WRONG = "Not-the-password-1"


def test_login_returns_tokens_that_open_the_store_api(api, customer):
    response = log_in(api, customer.email.upper())

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == django_settings.ACCESS_TOKEN_TTL
    session = AuthSession.objects.get(user=customer)
    assert session.audience == AuthSession.Audience.STORE
    assert session.ip_address == "127.0.0.1"
    assert RefreshToken.objects.filter(
        session=session, token_hash=RefreshToken.hash(body["refresh_token"])
    ).exists()
    me = api.get_json("/api/store/me", token=body["access_token"])
    assert me.status_code == 200
    assert me.json()["email"] == customer.email


def test_wrong_password_and_unknown_email_get_the_same_answer(api, customer):
    wrong_password = log_in(api, customer.email, WRONG)
    unknown_email = log_in(api, "nobody@example.com", WRONG)

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["code"] == "invalid_credentials"
    assert wrong_password["WWW-Authenticate"] == unknown_email["WWW-Authenticate"]
    assert not AuthSession.objects.exists()


def test_inactive_user_is_refused_like_a_wrong_password(api, db):
    user = UserFactory(is_active=False)

    response = log_in(api, user.email)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert not AuthSession.objects.exists()


def test_customer_cannot_log_in_to_the_admin_api(api, customer):
    response = log_in(api, customer.email, admin=True)

    assert response.status_code == 401
    assert response.json() == log_in(api, "nobody@example.com", admin=True).json()
    assert not AuthSession.objects.exists()


def test_staff_logs_in_to_the_admin_api(api, db):
    staff = StaffFactory()

    response = log_in(api, staff.email, admin=True)

    assert response.status_code == 200
    assert response.json()["expires_in"] == django_settings.STAFF_TOKEN_TTL
    assert AuthSession.objects.get(user=staff).audience == AuthSession.Audience.ADMIN
    me = api.get_json("/api/admin/me", token=response.json()["access_token"])
    assert me.status_code == 200


def test_password_with_outer_spaces_set_in_the_back_office_logs_in(api, customer):
    customer.set_password("  spaced out secret  ")
    customer.save()

    exact = log_in(api, customer.email, "  spaced out secret  ")
    trimmed = log_in(api, customer.email, "spaced out secret")

    assert exact.status_code == 200
    assert trimmed.status_code == 401


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "a@example.com"},
        {"email": "", "password": PASSWORD},
        {"email": "a@example.com", "password": PASSWORD, "remember": True},
        {"email": "a" * 255, "password": PASSWORD},
        {"email": "a@example.com", "password": "p" * 129},
        {"email": ["a@example.com"], "password": PASSWORD},
    ],
)
def test_login_bad_input_is_a_validation_problem(api, db, payload):
    response = api.post_json(LOGIN, payload)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


# --- rate limits and lockout ----------------------------------------------------------------


def test_login_is_rate_limited_per_ip(db, clock):
    client, elsewhere = ApiClient(REMOTE_ADDR="10.0.0.1"), ApiClient(REMOTE_ADDR="10.0.0.2")
    user = UserFactory()
    for n in range(30):  # distinct emails, so no account limit or lockout applies
        assert log_in(client, f"guess{n}@example.com", WRONG).status_code == 401

    refused = log_in(client, user.email)

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert not AuthSession.objects.exists()
    assert log_in(elsewhere, user.email).status_code == 200
    clock.advance(60)
    assert log_in(client, user.email).status_code == 200


def test_login_is_rate_limited_per_account(db, clock):
    user, other = UserFactory(), UserFactory()
    for n in range(10):  # successful logins from many addresses
        assert log_in(ApiClient(REMOTE_ADDR=f"10.0.1.{n}"), user.email).status_code == 200

    refused = log_in(ApiClient(REMOTE_ADDR="10.0.2.1"), user.email)

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "Retry-After" in refused
    assert AuthSession.objects.filter(user=user).count() == 10
    assert log_in(ApiClient(REMOTE_ADDR="10.0.2.1"), other.email).status_code == 200


def _fail(api, email, times):
    for _ in range(times):
        assert log_in(api, email, WRONG).status_code == 401


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    api, customer, settings, clock
):
    _fail(api, customer.email, settings.LOGIN_LOCKOUT_THRESHOLD)

    response = log_in(api, customer.email)

    assert response.status_code == 429
    assert response.json()["code"] == "account_locked"
    assert int(response["Retry-After"]) == settings.LOGIN_LOCKOUT_BASE_SECONDS + 1
    assert not AuthSession.objects.exists()
    assert log_in(api, "someone.else@example.com", WRONG).json()["code"] == "invalid_credentials"


def test_lockout_ends_after_its_time(api, customer, settings, clock):
    _fail(api, customer.email, settings.LOGIN_LOCKOUT_THRESHOLD)
    clock.advance(settings.LOGIN_LOCKOUT_BASE_SECONDS - 1)
    assert log_in(api, customer.email).json()["code"] == "account_locked"

    clock.advance(2)
    response = log_in(api, customer.email)

    assert response.status_code == 200


def test_lockout_backs_off_after_each_further_failure(api, customer, settings, clock):
    settings.LOGIN_LOCKOUT_BASE_SECONDS = 10
    _fail(api, customer.email, settings.LOGIN_LOCKOUT_THRESHOLD)
    clock.advance(11)

    _fail(api, customer.email, 1)
    second = log_in(api, customer.email)
    clock.advance(21)
    _fail(api, customer.email, 1)
    third = log_in(api, customer.email)

    assert second.json()["code"] == third.json()["code"] == "account_locked"
    assert int(second["Retry-After"]) == 21
    assert int(third["Retry-After"]) == 41


def test_lockout_is_capped(api, customer, settings, clock):
    settings.LOGIN_LOCKOUT_BASE_SECONDS = 10
    settings.LOGIN_LOCKOUT_MAX_SECONDS = 15
    _fail(api, customer.email, settings.LOGIN_LOCKOUT_THRESHOLD)
    clock.advance(11)
    _fail(api, customer.email, 1)

    response = log_in(api, customer.email)

    assert int(response["Retry-After"]) == 16


def test_success_before_the_threshold_resets_the_failure_count(api, customer, settings, clock):
    _fail(api, customer.email, settings.LOGIN_LOCKOUT_THRESHOLD - 1)
    assert log_in(api, customer.email).status_code == 200

    _fail(api, customer.email, settings.LOGIN_LOCKOUT_THRESHOLD - 1)
    response = log_in(api, customer.email)

    assert response.status_code == 200


@pytest.mark.parametrize("admin", [False, True])
def test_token_responses_are_never_cached(api, db, admin):
    user = StaffFactory() if admin else UserFactory()

    response = log_in(api, user.email, admin=admin)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
