"""The back-office sign-in form (/admin/login/) has the API sign-in's per-IP and per-account
limits and its lockout, with the same counters: alternating between the two gains nothing."""

import pytest
from django.test import Client

from mercato.accounts.models import AuthSession
from mercato.accounts.tests.helpers import log_in
from tests.support import PASSWORD, ApiClient, StaffFactory, UserFactory

ADMIN_LOGIN = "/admin/login/"
WRONG = "not-the-password-1"


@pytest.fixture
def staff(db):
    return StaffFactory()


def form_login(client: Client, email: str, password: str = PASSWORD):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, email: str, times: int) -> None:
    for _ in range(times):
        response = form_login(client, email, WRONG)
        assert response.status_code == 200  # the form again, with its error
        assert not signed_in(client)


def assert_refused(response, text: str) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert text in page
    assert 'name="username"' in page  # the form is still there


def test_staff_signs_in_through_the_form(client, staff, clock):
    response = form_login(client, staff.email)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert signed_in(client)


def test_the_login_page_still_renders(client, db):
    response = client.get(ADMIN_LOGIN)

    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client, staff, settings, clock
):
    fail(client, staff.email, settings.LOGIN_LOCKOUT_THRESHOLD)

    response = form_login(client, staff.email)

    assert_refused(response, "this account is locked for a while")
    assert int(response["Retry-After"]) == settings.LOGIN_LOCKOUT_BASE_SECONDS + 1
    assert not signed_in(client)
    # someone else still signs in from the same place
    other = StaffFactory()
    assert form_login(client, other.email).status_code == 302


def test_the_lockout_ends_after_its_time(client, staff, settings, clock):
    fail(client, staff.email, settings.LOGIN_LOCKOUT_THRESHOLD)
    clock.advance(settings.LOGIN_LOCKOUT_BASE_SECONDS + 1)

    assert form_login(client, staff.email).status_code == 302
    assert signed_in(client)


def test_failures_at_the_api_and_the_form_add_up(client, api, staff, settings, clock):
    for _ in range(2):
        assert log_in(api, staff.email, WRONG, admin=True).status_code == 401
    fail(client, staff.email, settings.LOGIN_LOCKOUT_THRESHOLD - 2)

    assert_refused(form_login(client, staff.email), "locked")
    api_answer = log_in(api, staff.email, admin=True)
    assert (api_answer.status_code, api_answer.json()["code"]) == (429, "account_locked")
    assert not AuthSession.objects.exists()


def test_a_lockout_from_the_api_holds_at_the_form(client, api, staff, settings, clock):
    for _ in range(settings.LOGIN_LOCKOUT_THRESHOLD):
        log_in(api, staff.email, WRONG, admin=True)

    assert_refused(form_login(client, staff.email), "locked")
    assert not signed_in(client)


def test_signing_in_clears_the_failures(client, staff, settings, clock):
    fail(client, staff.email, settings.LOGIN_LOCKOUT_THRESHOLD - 1)
    assert form_login(client, staff.email).status_code == 302
    client.logout()

    fail(client, staff.email, settings.LOGIN_LOCKOUT_THRESHOLD - 1)
    assert form_login(client, staff.email).status_code == 302


def test_a_customer_at_the_admin_door_counts_as_a_failure(client, db, settings, clock):
    customer = UserFactory()
    for _ in range(settings.LOGIN_LOCKOUT_THRESHOLD):
        assert form_login(client, customer.email).status_code == 200

    assert_refused(form_login(client, customer.email), "locked")


def test_the_form_is_rate_limited_per_ip_with_the_api(db, staff, clock):
    here, elsewhere = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    api_here = ApiClient(REMOTE_ADDR="10.0.0.1")
    for n in range(15):  # distinct emails, so no account limit or lockout applies
        assert log_in(api_here, f"guess{n}@example.com", WRONG, admin=True).status_code == 401
        assert form_login(here, f"form{n}@example.com", WRONG).status_code == 200

    refused = form_login(here, staff.email)

    assert_refused(refused, "Too many attempts")
    assert int(refused["Retry-After"]) <= 60
    assert not signed_in(here)
    assert form_login(elsewhere, staff.email).status_code == 302


def test_the_per_account_limit_holds_at_the_form(db, staff, clock):
    for n in range(10):  # successful sign-ins from many addresses
        assert form_login(Client(REMOTE_ADDR=f"10.0.1.{n}"), staff.email).status_code == 302

    assert_refused(form_login(Client(REMOTE_ADDR="10.0.2.1"), staff.email), "Too many attempts")


def test_the_ip_is_the_client_behind_trusted_proxies(db, staff, settings, clock):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.9")
    for n in range(30):
        response = proxy.post(
            ADMIN_LOGIN,
            {"username": f"guess{n}@example.com", "password": WRONG},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        assert response.status_code == 200

    def sign_in_from(forwarded_for: str):
        return proxy.post(
            ADMIN_LOGIN,
            {"username": staff.email, "password": PASSWORD},
            headers={"X-Forwarded-For": forwarded_for},
        )

    assert_refused(sign_in_from("203.0.113.7"), "Too many attempts")
    assert_refused(sign_in_from("1.2.3.4, 203.0.113.7"), "Too many attempts")  # spoofed hop
    assert sign_in_from("198.51.100.1").status_code == 302


def test_with_rate_limits_off_the_lockout_stays(client, staff, settings, clock):
    settings.RATE_LIMITS_ENABLED = False
    for n in range(40):
        assert form_login(client, f"guess{n}@example.com", WRONG).status_code == 200
    fail(client, staff.email, settings.LOGIN_LOCKOUT_THRESHOLD)

    assert_refused(form_login(client, staff.email), "locked")
