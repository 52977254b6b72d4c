import time

import pytest
from django.core import signing

from mercato.accounts.authentication import ACCESS_SALT
from mercato.accounts.models import AuthSession, RefreshToken
from mercato.accounts.services import revoke_session
from mercato.accounts.tests.helpers import log_in
from tests.support import ApiClient, StaffFactory, sign_in

ME = "/api/store/me"
ADMIN_ME = "/api/admin/me"
REFRESH = "/api/store/auth/refresh"
ADMIN_REFRESH = "/api/admin/auth/refresh"
LOGOUT = "/api/store/auth/logout"


class ShiftedTime:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def time(self) -> float:
        return time.time() + self.seconds


@pytest.fixture
def staff_pair(db):
    return sign_in(StaffFactory(), AuthSession.Audience.ADMIN)


def _code(response) -> str:
    return response.json()["code"]


# --- access tokens --------------------------------------------------------------------------


def test_access_token_expires(api, customer, settings, monkeypatch):
    token = sign_in(customer).access_token
    assert api.get_json(ME, token=token).status_code == 200

    monkeypatch.setattr(signing, "time", ShiftedTime(settings.ACCESS_TOKEN_TTL + 1))
    response = api.get_json(ME, token=token)

    assert response.status_code == 401
    assert _code(response) == "token_expired"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_staff_token_lives_longer_than_a_customer_token(api, staff_pair, settings, monkeypatch):
    monkeypatch.setattr(signing, "time", ShiftedTime(settings.ACCESS_TOKEN_TTL + 1))
    assert api.get_json(ADMIN_ME, token=staff_pair.access_token).status_code == 200

    monkeypatch.setattr(signing, "time", ShiftedTime(settings.STAFF_TOKEN_TTL + 1))
    assert _code(api.get_json(ADMIN_ME, token=staff_pair.access_token)) == "token_expired"


@pytest.mark.parametrize(
    "make_token",
    [
        lambda session: "garbage",
        lambda session: "a.b.c",
        lambda session: signing.dumps(
            {"s": str(session.public_id), "a": "store"}, salt=ACCESS_SALT, key="not-our-secret"
        ),
        lambda session: signing.dumps({"s": str(session.public_id), "a": "store"}, salt="other"),
        lambda session: signing.dumps(["s", str(session.public_id)], salt=ACCESS_SALT),
    ],
    ids=["garbage", "dots", "foreign-key", "other-salt", "not-a-dict"],
)
def test_forged_or_garbage_token_is_refused(api, customer, make_token):
    session = sign_in(customer).session

    response = api.get_json(ME, token=make_token(session))

    assert response.status_code == 401
    assert _code(response) == "invalid_token"


def test_missing_token_is_refused(api, db):
    response = api.get_json(ME)

    assert response.status_code == 401
    assert _code(response) == "not_authenticated"


def test_store_token_is_refused_by_the_admin_api(api, db):
    staff = StaffFactory()
    store_token = sign_in(staff).access_token

    response = api.get_json(ADMIN_ME, token=store_token)

    assert response.status_code == 401
    assert _code(response) == "invalid_token"


def test_admin_token_is_refused_by_the_store_api(api, staff_pair):
    response = api.get_json(ME, token=staff_pair.access_token)

    assert response.status_code == 401
    assert _code(response) == "invalid_token"


def test_token_of_a_revoked_session_is_refused(api, customer):
    pair = sign_in(customer)
    other = sign_in(customer)

    revoke_session(session=pair.session, reason="test")
    response = api.get_json(ME, token=pair.access_token)

    assert response.status_code == 401
    assert _code(response) == "session_revoked"
    assert api.get_json(ME, token=other.access_token).status_code == 200


def test_token_of_a_deactivated_user_is_refused(api, customer):
    token = sign_in(customer).access_token
    customer.is_active = False
    customer.save()

    assert _code(api.get_json(ME, token=token)) == "session_revoked"


def test_staff_token_stops_working_when_staff_access_is_withdrawn(api, staff_pair):
    user = staff_pair.session.user
    user.is_staff = False
    user.save()

    response = api.get_json(ADMIN_ME, token=staff_pair.access_token)
    refresh = api.post_json(ADMIN_REFRESH, {"refresh_token": staff_pair.refresh_token})

    assert _code(response) == "session_revoked"
    assert refresh.status_code == 401


# --- refresh --------------------------------------------------------------------------------


def test_refresh_rotates_the_tokens(api, customer):
    login = log_in(api, customer.email).json()

    response = api.post_json(REFRESH, {"refresh_token": login["refresh_token"]})

    assert response.status_code == 200
    body = response.json()
    assert body["refresh_token"] != login["refresh_token"]
    assert api.get_json(ME, token=body["access_token"]).status_code == 200
    session = AuthSession.objects.get(user=customer)
    assert RefreshToken.objects.get(token_hash=RefreshToken.hash(login["refresh_token"])).used_at
    assert (
        RefreshToken.objects.get(token_hash=RefreshToken.hash(body["refresh_token"])).session
        == session
    )


def test_reused_refresh_token_revokes_the_whole_session(api, customer):
    first = sign_in(customer)
    elsewhere = sign_in(customer)
    second = api.post_json(REFRESH, {"refresh_token": first.refresh_token}).json()
    newest = api.post_json(REFRESH, {"refresh_token": second["refresh_token"]}).json()

    reuse = api.post_json(REFRESH, {"refresh_token": first.refresh_token})

    assert reuse.status_code == 401
    assert _code(reuse) == "refresh_token_reused"
    first.session.refresh_from_db()
    assert first.session.revoked_reason == "refresh_token_reused"
    assert _code(api.get_json(ME, token=newest["access_token"])) == "session_revoked"
    newest_refresh = api.post_json(REFRESH, {"refresh_token": newest["refresh_token"]})
    assert newest_refresh.status_code == 401
    assert _code(newest_refresh) == "invalid_refresh_token"
    assert api.get_json(ME, token=elsewhere.access_token).status_code == 200


def test_admin_refresh_token_is_refused_by_the_store_without_side_effects(api, staff_pair):
    response = api.post_json(REFRESH, {"refresh_token": staff_pair.refresh_token})

    assert response.status_code == 401
    assert _code(response) == "invalid_refresh_token"
    token = RefreshToken.objects.get(token_hash=RefreshToken.hash(staff_pair.refresh_token))
    assert token.used_at is None
    staff_pair.session.refresh_from_db()
    assert staff_pair.session.revoked_at is None
    assert (
        api.post_json(ADMIN_REFRESH, {"refresh_token": staff_pair.refresh_token}).status_code == 200
    )


def test_store_refresh_token_is_refused_by_the_admin_api(api, customer):
    pair = sign_in(customer)

    response = api.post_json(ADMIN_REFRESH, {"refresh_token": pair.refresh_token})

    assert _code(response) == "invalid_refresh_token"
    assert api.post_json(REFRESH, {"refresh_token": pair.refresh_token}).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "x" * 200])
def test_unknown_refresh_token_is_refused(api, db, token):
    response = api.post_json(REFRESH, {"refresh_token": token})

    assert response.status_code == 401
    assert _code(response) == "invalid_refresh_token"


@pytest.mark.parametrize("payload", [{}, {"refresh_token": ""}, {"refresh_token": "x" * 201}])
def test_refresh_bad_input_is_a_validation_problem(api, db, payload):
    response = api.post_json(REFRESH, payload)

    assert response.status_code == 422
    assert _code(response) == "validation_error"


def test_refresh_of_an_expired_session_is_refused(api, customer):
    pair = sign_in(customer)
    AuthSession.objects.filter(pk=pair.session.pk).update(expires_at="2000-01-01T00:00:00Z")

    response = api.post_json(REFRESH, {"refresh_token": pair.refresh_token})

    assert _code(response) == "invalid_refresh_token"
    token = RefreshToken.objects.get(token_hash=RefreshToken.hash(pair.refresh_token))
    assert token.used_at is None


def test_refresh_is_rate_limited_per_ip(customer, clock):
    client = ApiClient(REMOTE_ADDR="10.0.0.1")
    for _ in range(60):
        assert client.post_json(REFRESH, {"refresh_token": "unknown"}).status_code == 401
    pair = sign_in(customer)

    response = client.post_json(REFRESH, {"refresh_token": pair.refresh_token})

    assert response.status_code == 429
    assert _code(response) == "rate_limited"
    assert (
        RefreshToken.objects.get(token_hash=RefreshToken.hash(pair.refresh_token)).used_at is None
    )


# --- logout ---------------------------------------------------------------------------------


def test_logout_revokes_the_access_and_refresh_tokens(api, customer):
    pair = sign_in(customer)
    other = sign_in(customer)

    response = api.post_json(LOGOUT, token=pair.access_token)

    assert response.status_code == 204
    pair.session.refresh_from_db()
    assert pair.session.revoked_reason == "logout"
    assert _code(api.get_json(ME, token=pair.access_token)) == "session_revoked"
    assert _code(api.post_json(REFRESH, {"refresh_token": pair.refresh_token})) == (
        "invalid_refresh_token"
    )
    assert api.get_json(ME, token=other.access_token).status_code == 200


def test_logout_needs_a_token(api, db):
    response = api.post_json(LOGOUT)

    assert response.status_code == 401


def test_staff_logout_revokes_the_staff_session(api, staff_pair):
    response = api.post_json("/api/admin/auth/logout", token=staff_pair.access_token)

    assert response.status_code == 204
    assert _code(api.get_json(ADMIN_ME, token=staff_pair.access_token)) == "session_revoked"
