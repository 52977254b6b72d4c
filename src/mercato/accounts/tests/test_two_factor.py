"""Staff two-factor authentication: enrolment, the admin API sign-in with `otp`, per-role
enforcement, recovery codes, the back-office code step and forced enrolment, the operator's
reset. Codes are real TOTP codes computed from the device's key."""

import time
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mercato.accounts import two_factor
from mercato.accounts.models import AuthSession
from mercato.accounts.roles import two_factor_required
from mercato.audit.models import AuditLogEntry
from mercato.audit.services import Actor
from tests.support import PASSWORD, StaffFactory, sign_in

ADMIN_LOGIN = "/api/admin/auth/login"
STATUS = "/api/admin/auth/2fa"
ENROL = "/api/admin/auth/2fa/enrol"
CONFIRM = "/api/admin/auth/2fa/enrol/confirm"
RECOVERY = "/api/admin/auth/2fa/recovery-codes"
DISABLE = "/api/admin/auth/2fa/disable"
ACTOR = Actor(label="tests")


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's TOTP code now (or `steps_ahead` time steps later, which the device's
    tolerance of one step accepts), as an authenticator app computes it."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = two_factor.start_enrolment(user=user, actor=ACTOR)
    codes = two_factor.confirm_enrolment(user=user, code=code_for(device), actor=ACTOR)
    device.refresh_from_db()
    return device, codes


def staff_login(api, user, **extra):
    return api.post_json(ADMIN_LOGIN, {"email": user.email, "password": PASSWORD, **extra})


@pytest.fixture(autouse=True)
def _no_device_throttle(settings):
    """django-otp also makes a device wait 1, 2, 4 … s after each wrong code; these tests
    type the right code right after a wrong one, and test our own limits and lockout."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def owner_required(settings):
    settings.STAFF_2FA_REQUIRED_ROLES = ["Owner"]


# --- which roles must use it ------------------------------------------------------------------


def test_roles_that_require_two_factor_come_from_the_setting(owner, staff, settings):
    superuser = StaffFactory(is_superuser=True)
    customer = StaffFactory(is_staff=False)

    settings.STAFF_2FA_REQUIRED_ROLES = []
    assert not any(two_factor_required(u) for u in (owner, staff, superuser))
    settings.STAFF_2FA_REQUIRED_ROLES = ["Owner"]
    assert [two_factor_required(u) for u in (owner, staff, superuser)] == [True, False, False]
    settings.STAFF_2FA_REQUIRED_ROLES = ["superuser"]
    assert [two_factor_required(u) for u in (owner, staff, superuser)] == [False, False, True]
    settings.STAFF_2FA_REQUIRED_ROLES = ["*"]
    assert [two_factor_required(u) for u in (owner, staff, superuser)] == [True, True, True]
    assert not two_factor_required(customer)


# --- enrolment through the admin API ----------------------------------------------------------


def test_staff_enrol_through_the_api_and_get_recovery_codes_once(api, staff, clock):
    token = sign_in(staff, AuthSession.Audience.ADMIN).access_token
    assert api.get_json(STATUS, token=token).json() == {
        "enabled": False,
        "required": False,
        "recovery_codes_left": 0,
    }

    no_password = api.post_json(ENROL, {"password": "not-it"}, token=token)
    assert (no_password.status_code, no_password.json()["code"]) == (
        422,
        "invalid_current_password",
    )
    assert not TOTPDevice.objects.exists()

    started = api.post_json(ENROL, {"password": PASSWORD}, token=token)

    assert started.status_code == 200, started.content
    body = started.json()
    assert body["otpauth_url"].startswith("otpauth://totp/")
    assert f"secret={body['secret']}" in body["otpauth_url"]
    assert body["qr_code_svg"].startswith("<svg")
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    wrong = api.post_json(CONFIRM, {"code": "000000"}, token=token)
    assert (wrong.status_code, wrong.json()["code"]) == (422, "otp_invalid")

    confirmed = api.post_json(CONFIRM, {"code": code_for(device)}, token=token)

    assert confirmed.status_code == 200, confirmed.content
    assert confirmed["Cache-Control"] == "no-store"
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert api.get_json(STATUS, token=token).json()["enabled"] is True
    assert AuditLogEntry.objects.filter(verb="staff.2fa_enabled", object_id=str(staff.public_id))
    again = api.post_json(ENROL, {"password": PASSWORD}, token=token)
    assert (again.status_code, again.json()["code"]) == (409, "two_factor_enabled")


def test_confirming_before_starting_is_a_conflict(api, staff, clock):
    token = sign_in(staff, AuthSession.Audience.ADMIN).access_token

    response = api.post_json(CONFIRM, {"code": "123456"}, token=token)

    assert (response.status_code, response.json()["code"]) == (409, "two_factor_not_started")


def test_apps_have_no_two_factor(api, db, clock):
    from mercato.accounts.models import App
    from mercato.accounts.services import create_api_key

    _, key = create_api_key(app=App.objects.create(name="erp"), actor=ACTOR)

    response = api.post_json(ENROL, {"password": PASSWORD}, token=key)

    assert response.status_code == 403
    assert not TOTPDevice.objects.exists()


# --- signing in at the admin API --------------------------------------------------------------


def test_sign_in_without_a_device_needs_no_code(api, staff, clock):
    response = staff_login(api, staff)

    assert response.status_code == 200
    assert response.json()["enrolment_required"] is False


def test_sign_in_with_a_device_needs_a_valid_code_used_once(api, staff, clock):
    device, _ = enrolled(staff)

    missing = staff_login(api, staff)
    wrong = staff_login(api, staff, otp="000000")
    code = code_for(device, steps_ahead=1)  # the enrolment spent the current step
    right = staff_login(api, staff, otp=code)
    replayed = staff_login(api, staff, otp=code)

    assert (missing.status_code, missing.json()["code"]) == (401, "otp_required")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "otp_invalid")
    assert right.status_code == 200, right.content
    assert (replayed.status_code, replayed.json()["code"]) == (401, "otp_invalid")
    assert AuthSession.objects.filter(user=staff).count() == 1


def test_a_recovery_code_signs_in_once(api, staff, clock):
    _, codes = enrolled(staff)
    typed = f"{codes[0][:4]}-{codes[0][4:].upper()}"  # as a person may type it

    first = staff_login(api, staff, otp=typed)
    second = staff_login(api, staff, otp=codes[0])

    assert first.status_code == 200, first.content
    assert (second.status_code, second.json()["code"]) == (401, "otp_invalid")
    assert two_factor.recovery_codes_left(staff) == 9


def test_wrong_codes_lock_the_account_like_wrong_passwords(api, staff, settings, clock):
    device, _ = enrolled(staff)
    for _ in range(settings.LOGIN_LOCKOUT_THRESHOLD):
        assert staff_login(api, staff, otp="000000").json()["code"] == "otp_invalid"

    locked = staff_login(api, staff, otp=code_for(device, steps_ahead=1))

    assert (locked.status_code, locked.json()["code"]) == (429, "account_locked")
    assert not AuthSession.objects.filter(user=staff).exists()


def test_the_otp_field_is_documented_on_the_staff_login(api, db):
    document = api.get("/api/openapi.json").json()
    login = document["paths"]["/api/admin/auth/login"]["post"]
    schema_ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]

    assert "otp" in schema["properties"]
    assert "/api/admin/auth/2fa/enrol/confirm" in document["paths"]
    assert "/api/admin/auth/2fa/disable" in document["paths"]


# --- a role that requires it ------------------------------------------------------------------


def test_a_required_role_without_a_device_gets_a_token_that_can_only_enrol(
    api, owner, owner_required, clock
):
    signed = staff_login(api, owner)
    assert signed.status_code == 200
    assert signed.json()["enrolment_required"] is True
    token, refresh = signed.json()["access_token"], signed.json()["refresh_token"]

    refused = api.get_json("/api/admin/apps", token=token)
    assert (refused.status_code, refused.json()["code"]) == (403, "otp_enrolment_required")
    assert api.get_json("/api/admin/me", token=token).status_code == 200
    assert api.get_json(STATUS, token=token).json()["required"] is True

    assert api.post_json(ENROL, {"password": PASSWORD}, token=token).status_code == 200
    device = TOTPDevice.objects.get(user=owner)
    assert api.post_json(CONFIRM, {"code": code_for(device)}, token=token).status_code == 200
    # the token was issued before: it still only enrols; a refreshed one works
    assert api.get_json("/api/admin/apps", token=token).status_code == 403
    refreshed = api.post_json("/api/admin/auth/refresh", {"refresh_token": refresh})
    assert refreshed.json()["enrolment_required"] is False
    full = api.get_json("/api/admin/apps", token=refreshed.json()["access_token"])
    assert full.status_code == 200


def test_a_refresh_before_enrolling_still_only_enrols(api, owner, owner_required, clock):
    refresh = staff_login(api, owner).json()["refresh_token"]

    refreshed = api.post_json("/api/admin/auth/refresh", {"refresh_token": refresh}).json()

    assert refreshed["enrolment_required"] is True
    response = api.get_json("/api/admin/apps", token=refreshed["access_token"])
    assert response.json()["code"] == "otp_enrolment_required"


def test_roles_not_required_are_not_held_back(api, staff, owner_required, clock):
    token = staff_login(api, staff).json()["access_token"]

    assert api.get_json("/api/admin/me", token=token).status_code == 200
    assert api.get_json("/api/admin/apps", token=token).json()["code"] == "permission_denied"


# --- recovery codes, switching off ------------------------------------------------------------


def test_new_recovery_codes_void_the_old_ones(api, staff, clock):
    device, old = enrolled(staff)
    token = sign_in(staff, AuthSession.Audience.ADMIN).access_token

    without = api.post_json(RECOVERY, {"code": "000000"}, token=token)
    response = api.post_json(RECOVERY, {"code": code_for(device, 1)}, token=token)

    assert (without.status_code, without.json()["code"]) == (422, "otp_invalid")
    assert response.status_code == 200, response.content
    new = response.json()["recovery_codes"]
    assert set(new).isdisjoint(old)
    assert set(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True)) == (
        set(new)
    )
    assert staff_login(api, staff, otp=old[1]).json()["code"] == "otp_invalid"
    assert staff_login(api, staff, otp=new[0]).status_code == 200


def test_switching_off_needs_a_current_code(api, staff, clock):
    device, _ = enrolled(staff)
    token = sign_in(staff, AuthSession.Audience.ADMIN).access_token

    wrong = api.post_json(DISABLE, {"code": "000000"}, token=token)
    right = api.post_json(DISABLE, {"code": code_for(device, 1)}, token=token)

    assert (wrong.status_code, wrong.json()["code"]) == (422, "otp_invalid")
    assert right.status_code == 200
    assert right.json()["enabled"] is False
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert not StaticToken.objects.filter(device__user=staff).exists()
    assert staff_login(api, staff).status_code == 200
    assert AuditLogEntry.objects.filter(verb="staff.2fa_disabled").count() == 1


def test_a_required_role_cannot_switch_it_off(api, owner, owner_required, clock):
    device, _ = enrolled(owner)
    token = sign_in(owner, AuthSession.Audience.ADMIN).access_token

    response = api.post_json(DISABLE, {"code": code_for(device, 1)}, token=token)

    assert (response.status_code, response.json()["code"]) == (403, "two_factor_required")
    assert TOTPDevice.objects.filter(user=owner, confirmed=True).exists()


def test_code_checks_of_a_signed_in_staff_member_are_rate_limited(api, staff, settings, clock):
    enrolled(staff)
    token = sign_in(staff, AuthSession.Audience.ADMIN).access_token
    limit = two_factor.CODE_CHECK_LIMIT[0]
    for _ in range(limit - 1):  # the enrolment's confirmation was the first
        assert api.post_json(DISABLE, {"code": "000000"}, token=token).status_code == 422

    response = api.post_json(DISABLE, {"code": "000000"}, token=token)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


# --- the back office --------------------------------------------------------------------------


def form_login(client: Client, user, next_url: str = "/admin/"):
    return client.post(
        "/admin/login/", {"username": user.email, "password": PASSWORD, "next": next_url}
    )


def test_back_office_asks_for_a_code_after_the_password(client, staff, clock):
    staff.is_superuser = True
    staff.save()
    device, _ = enrolled(staff)

    assert form_login(client, staff).status_code == 302
    gate = client.get("/admin/accounts/user/")
    assert gate.status_code == 302
    assert gate["Location"] == "/admin/2fa/verify/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    page = client.get(gate["Location"])
    assert page.status_code == 200 and 'name="code"' in page.content.decode()

    wrong = client.post("/admin/2fa/verify/", {"code": "000000", "next": "/admin/accounts/user/"})
    assert wrong.status_code == 200
    assert "not valid" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302

    right = client.post(
        "/admin/2fa/verify/", {"code": code_for(device, 1), "next": "/admin/accounts/user/"}
    )
    assert (right.status_code, right["Location"]) == (302, "/admin/accounts/user/")
    assert client.get("/admin/accounts/user/").status_code == 200


def test_back_office_takes_a_recovery_code_once(staff, clock):
    staff.is_superuser = True
    staff.save()
    _, codes = enrolled(staff)
    first, second = Client(), Client()
    form_login(first, staff)
    form_login(second, staff)

    assert first.post("/admin/2fa/verify/", {"code": codes[0]}).status_code == 302
    index = first.get("/admin/")
    assert index.status_code == 200
    assert "signed in with a recovery code; 9 left" in index.content.decode()
    assert second.post("/admin/2fa/verify/", {"code": codes[0]}).status_code == 200
    assert second.get("/admin/").status_code == 302


def test_code_guessing_in_the_back_office_locks_the_account(client, api, staff, settings, clock):
    device, _ = enrolled(staff)
    form_login(client, staff)
    for _ in range(settings.LOGIN_LOCKOUT_THRESHOLD):
        assert client.post("/admin/2fa/verify/", {"code": "000000"}).status_code == 200

    refused = client.post("/admin/2fa/verify/", {"code": code_for(device, 1)})

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "locked" in refused.content.decode()
    assert client.get("/admin/").status_code == 302
    # the password alone does not start a fresh budget of guesses, at the form or the API
    assert Client().post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert staff_login(api, staff, otp=code_for(device, 1)).json()["code"] == "account_locked"


def test_a_correct_password_does_not_clear_the_failed_codes(client, staff, settings, clock):
    enrolled(staff)
    form_login(client, staff)
    for _ in range(settings.LOGIN_LOCKOUT_THRESHOLD - 1):
        client.post("/admin/2fa/verify/", {"code": "000000"})
    client.post("/admin/logout/")

    assert form_login(client, staff).status_code == 302  # password right: next step
    client.post("/admin/2fa/verify/", {"code": "000000"})

    assert client.post("/admin/2fa/verify/", {"code": "111111"}).status_code == 429


def test_a_required_role_is_sent_to_enrol_and_reaches_nothing_else(
    client, owner, owner_required, clock
):
    assert form_login(client, owner).status_code == 302
    for path in ("/admin/", "/admin/accounts/user/", "/admin/2fa/", "/admin/2fa/verify/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/2fa/enrol/?next="), path

    page = client.get("/admin/2fa/enrol/?next=/admin/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<svg" in text and "requires two-factor" in text
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    assert two_factor.secret_of(device) in text
    assert client.get("/admin/2fa/enrol/").status_code == 200
    assert TOTPDevice.objects.filter(user=owner).count() == 1  # a reload keeps the same key

    wrong = client.post("/admin/2fa/enrol/", {"code": "000000", "next": "/admin/"})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    done = client.post("/admin/2fa/enrol/", {"code": code_for(device), "next": "/admin/"})

    assert done.status_code == 200
    shown = done.content.decode()
    codes = StaticToken.objects.filter(device__user=owner).values_list("token", flat=True)
    assert len(codes) == 10 and all(code in shown for code in codes)
    assert client.get("/admin/").status_code == 200  # this session proved the device


def test_back_office_manage_page_regenerates_codes_and_switches_off(client, staff, clock):
    device, old = enrolled(staff)
    form_login(client, staff)
    client.post("/admin/2fa/verify/", {"code": old[0]})

    page = client.get("/admin/2fa/")
    assert page.status_code == 200 and "Recovery codes left: 9" in page.content.decode()
    regenerated = client.post("/admin/2fa/", {"code": old[1], "action": "recovery_codes"})
    assert regenerated.status_code == 200
    new = list(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True))
    assert all(code in regenerated.content.decode() for code in new)
    assert old[2] not in new

    off = client.post("/admin/2fa/", {"code": code_for(device, 1), "action": "disable"})
    assert (off.status_code, off["Location"]) == (302, "/admin/")
    assert not two_factor.has_two_factor(staff)


def test_back_office_without_two_factor_is_unchanged(client, staff, clock):
    staff.is_superuser = True
    staff.save()

    form_login(client, staff)

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/2fa/").status_code == 302  # nothing to manage: to enrolment
    assert client.get("/admin/2fa/enrol/").status_code == 200


# --- the operator's reset ---------------------------------------------------------------------


def test_reset_command_removes_the_devices_and_signs_out(api, owner, owner_required, clock):
    enrolled(owner)
    session = sign_in(owner, AuthSession.Audience.ADMIN).session
    out = StringIO()

    call_command("reset_two_factor", "--email", owner.email.upper(), "--reason", "T-42", stdout=out)

    assert "reset" in out.getvalue() and "enrol again" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert not StaticToken.objects.filter(device__user=owner).exists()
    session.refresh_from_db()
    assert session.revoked_reason == "two_factor_reset"
    entry = AuditLogEntry.objects.get(verb="staff.2fa_reset")
    assert entry.actor_label == "command:reset_two_factor (T-42)"
    assert entry.object_id == str(owner.public_id)
    # the password signs in again, with a token that may only enrol
    assert staff_login(api, owner).json()["enrolment_required"] is True


def test_reset_command_refuses_an_unknown_account(db):
    with pytest.raises(CommandError, match="No staff account"):
        call_command("reset_two_factor", "--email", "nobody@example.com")


def test_demo_staff_signs_in_with_a_password_when_no_role_requires_it(api, db, settings):
    settings.DEMO_STAFF_PASSWORD = PASSWORD
    settings.STAFF_2FA_REQUIRED_ROLES = []
    call_command("ensure_demo_staff", stdout=StringIO())

    response = api.post_json(ADMIN_LOGIN, {"email": "admin@example.com", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["enrolment_required"] is False
    assert Group.objects.get(name="Owner").user_set.filter(email="admin@example.com").exists()
