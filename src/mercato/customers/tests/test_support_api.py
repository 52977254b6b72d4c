"""Customer support over the admin API: staff never set a customer's password or email. They
send the normal reset link, or ask for an email change that the new address must confirm."""

import uuid

import pytest
from django.contrib.auth.models import Group
from django.core import signing

from mercato.accounts.models import AuthSession
from mercato.accounts.tests.helpers import link_token, log_in
from mercato.accounts.tokens import CHANGE_EMAIL_SALT, email_digest
from mercato.audit.models import AuditLogEntry
from tests.support import PASSWORD, StaffFactory, UserFactory, run_tasks, sign_in

NEW_PASSWORD = "Chosen-by-the-customer-7"
CUSTOMERS = "/api/admin/customers"
VERIFY = "/api/store/auth/email/verify"
RESET_CONFIRM = "/api/store/auth/password/reset/confirm"


def _reset(customer) -> str:
    return f"{CUSTOMERS}/{customer.public_id}/password-reset"


def _email_change(customer) -> str:
    return f"{CUSTOMERS}/{customer.public_id}/email-change"


def _staff_token(role: str) -> tuple:
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name=role))
    return staff, sign_in(staff, AuthSession.Audience.ADMIN).access_token


@pytest.fixture
def support(db):
    return _staff_token("Customer support")


@pytest.fixture
def customer(db):
    return UserFactory(email="ada@example.com", first_name="Ada")


def _entries(customer, verb: str):
    return AuditLogEntry.objects.filter(object_id=str(customer.public_id), verb=verb)


# --- password ---------------------------------------------------------------------------------


def test_support_sends_the_normal_reset_link_and_the_customer_chooses_the_password(
    api, support, customer, mailoutbox
):
    staff, token = support

    response = api.post_json(_reset(customer), token=token)

    assert response.status_code == 202
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)  # nothing changes until the customer acts
    run_tasks()
    (message,) = mailoutbox
    assert message.to == ["ada@example.com"]
    assert "Reset your" in message.subject
    (entry,) = _entries(customer, "customer.password_reset_sent")
    assert (entry.actor_user_id, entry.source, entry.action) == (staff.pk, "admin_api", "action")

    confirmed = api.post_json(
        RESET_CONFIRM, {"token": link_token(message), "new_password": NEW_PASSWORD}
    )

    assert confirmed.status_code == 204
    assert log_in(api, "ada@example.com", NEW_PASSWORD).status_code == 200
    assert log_in(api, "ada@example.com", PASSWORD).status_code == 401


def test_the_reset_link_works_once(api, support, customer, mailoutbox):
    api.post_json(_reset(customer), token=support[1])
    run_tasks()
    token = link_token(mailoutbox[0])
    api.post_json(RESET_CONFIRM, {"token": token, "new_password": NEW_PASSWORD})

    again = api.post_json(RESET_CONFIRM, {"token": token, "new_password": "Yet-another-pass-99"})

    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"


def test_resets_are_rate_limited_per_customer(api, support, customer, mailoutbox):
    answers = [api.post_json(_reset(customer), token=support[1]) for _ in range(4)]

    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert int(answers[-1]["Retry-After"]) > 0
    assert _entries(customer, "customer.password_reset_sent").count() == 3
    # another customer is not held up by it
    assert api.post_json(_reset(UserFactory()), token=support[1]).status_code == 202


def test_resets_are_rate_limited_per_staff_member(api, support, mailoutbox, settings):
    answers = [api.post_json(_reset(UserFactory()), token=support[1]) for _ in range(31)]

    assert [a.status_code for a in answers].count(202) == 30
    assert answers[-1].status_code == 429


@pytest.mark.parametrize("path", ["password-reset", "email-change"])
def test_unknown_ids_and_staff_accounts_are_not_found(api, support, owner, mailoutbox, path):
    body = {"email": "new@example.com"}

    unknown = api.post_json(f"{CUSTOMERS}/{uuid.uuid4()}/{path}", body, token=support[1])
    staff = api.post_json(f"{CUSTOMERS}/{owner.public_id}/{path}", body, token=support[1])

    assert (unknown.status_code, unknown.json()["code"]) == (404, "customer_not_found")
    assert (staff.status_code, staff.json()["code"]) == (404, "customer_not_found")
    run_tasks()
    assert mailoutbox == []
    assert not AuditLogEntry.objects.exists()
    owner.refresh_from_db()
    assert owner.email != "new@example.com"


@pytest.mark.parametrize("path", ["password-reset", "email-change"])
def test_staff_who_may_only_view_customers_are_refused(api, customer, mailoutbox, path):
    _, token = _staff_token("Order manager")  # accounts.view_user, not change_user

    response = api.post_json(
        f"{CUSTOMERS}/{customer.public_id}/{path}", {"email": "x@e.com"}, token=token
    )

    assert response.status_code == 403
    run_tasks()
    assert mailoutbox == []


@pytest.mark.parametrize("path", ["password-reset", "email-change"])
def test_a_deactivated_customer_is_refused(api, support, mailoutbox, path):
    customer = UserFactory(is_active=False)

    response = api.post_json(
        f"{CUSTOMERS}/{customer.public_id}/{path}", {"email": "x@example.com"}, token=support[1]
    )

    assert (response.status_code, response.json()["code"]) == (409, "customer_inactive")
    run_tasks()
    assert mailoutbox == []


@pytest.mark.parametrize("method", ["put", "patch"])
def test_there_is_no_admin_endpoint_that_sets_a_customers_email_or_password(
    api, support, customer, method
):
    body = {"email": "taken-over@example.com", "password": "Taken-over-pass-1"}

    response = api.call(method, f"{CUSTOMERS}/{customer.public_id}", body, token=support[1])

    assert response.status_code == 405
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"
    assert customer.check_password(PASSWORD)


def test_no_admin_operation_takes_a_password_except_staff_sign_in(api, owner_token):
    """A guard for later endpoints: the admin API reads a password only to sign staff in, and
    the signed-in staff member's own password when they start a 2FA enrolment."""
    document = api.get_json("/api/openapi.json").json()
    schemas = document["components"]["schemas"]

    def properties(schema: dict) -> set[str]:
        if "$ref" in schema:
            return properties(schemas[schema["$ref"].rsplit("/", 1)[-1]])
        found = set(schema.get("properties", {}))
        for part in schema.get("allOf", []) + schema.get("anyOf", []):
            found |= properties(part)
        return found

    takes_password = set()
    for path, operations in document["paths"].items():
        if not path.startswith("/api/admin/"):
            continue
        for method, operation in operations.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                if {"password", "new_password", "password1"} & properties(content["schema"]):
                    takes_password.add((method, path))
    assert takes_password == {
        ("post", "/api/admin/auth/login"),
        ("post", "/api/admin/auth/2fa/enrol"),
    }


# --- email ------------------------------------------------------------------------------------


def test_email_changes_only_when_the_new_address_confirms(api, support, customer, mailoutbox):
    staff, token = support

    response = api.post_json(_email_change(customer), {"email": "New@Example.com"}, token=token)

    assert response.status_code == 202
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"
    run_tasks()
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {"new@example.com", "ada@example.com"}
    assert "Confirm your new email" in by_address["new@example.com"].subject
    assert "was requested" in by_address["ada@example.com"].subject
    assert "token=" not in by_address["ada@example.com"].body  # the old address gets no link
    (entry,) = _entries(customer, "customer.email_change_requested")
    assert entry.actor_user_id == staff.pk
    assert entry.changes == {"requested_email": [None, "new@example.com"]}
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"  # still, after every email went out
    assert log_in(api, "ada@example.com").status_code == 200
    mailoutbox.clear()

    confirmed = api.post_json(VERIFY, {"token": link_token(by_address["new@example.com"])})

    assert confirmed.status_code == 200
    customer.refresh_from_db()
    assert customer.email == "new@example.com"
    assert customer.is_email_verified
    run_tasks()
    (notice,) = mailoutbox  # the old address is told; the new one is verified already
    assert notice.to == ["ada@example.com"]
    assert "was changed" in notice.subject
    (done,) = _entries(customer, "customer.email_change_confirmed")
    assert (done.actor_user_id, done.source) == (customer.pk, "store_api")
    assert done.changes == {"email": ["ada@example.com", "new@example.com"]}
    assert log_in(api, "new@example.com").status_code == 200
    assert log_in(api, "ada@example.com").status_code == 401


def _change_link(api, support, customer, mailoutbox, new_email="new@example.com") -> str:
    api.post_json(_email_change(customer), {"email": new_email}, token=support[1])
    run_tasks()
    (message,) = [m for m in mailoutbox if m.to == [new_email]]
    return link_token(message)


def test_the_change_link_works_once(api, support, customer, mailoutbox):
    token = _change_link(api, support, customer, mailoutbox)
    api.post_json(VERIFY, {"token": token})

    again = api.post_json(VERIFY, {"token": token})

    assert (again.status_code, again.json()["code"]) == (400, "token_used")


def test_a_change_link_is_stale_once_the_email_changed_otherwise(
    api, support, customer, mailoutbox
):
    first = _change_link(api, support, customer, mailoutbox, "first@example.com")
    second = _change_link(api, support, customer, mailoutbox, "second@example.com")
    assert api.post_json(VERIFY, {"token": second}).status_code == 200

    stale = api.post_json(VERIFY, {"token": first})

    assert (stale.status_code, stale.json()["code"]) == (400, "invalid_token")
    customer.refresh_from_db()
    assert customer.email == "second@example.com"


@pytest.mark.parametrize(
    "forge",
    [
        lambda c: "garbage",
        lambda c: signing.dumps(
            {"u": c.public_id.hex, "o": email_digest(c.email), "e": "evil@example.com"},
            salt=CHANGE_EMAIL_SALT,
            key="not-the-secret",
        ),
        lambda c: signing.dumps(
            {"u": c.public_id.hex, "o": email_digest("other@example.com"), "e": "evil@example.com"},
            salt=CHANGE_EMAIL_SALT,
        ),
        lambda c: signing.dumps(
            {"u": c.public_id.hex, "e": "evil@example.com"}, salt=CHANGE_EMAIL_SALT
        ),
    ],
    ids=["garbage", "forged", "other-old-address", "incomplete"],
)
def test_a_bad_change_token_changes_nothing(api, customer, forge):
    response = api.post_json(VERIFY, {"token": forge(customer)})

    assert (response.status_code, response.json()["code"]) == (400, "invalid_token")
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"


def test_a_change_link_expires(api, support, customer, mailoutbox, settings):
    token = _change_link(api, support, customer, mailoutbox)
    settings.EMAIL_VERIFICATION_TIMEOUT = -1

    response = api.post_json(VERIFY, {"token": token})

    assert (response.status_code, response.json()["code"]) == (400, "invalid_token")
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"


def test_a_taken_address_is_refused_then_and_at_confirmation(api, support, customer, mailoutbox):
    UserFactory(email="taken@example.com")
    refused = api.post_json(
        _email_change(customer), {"email": "taken@example.com"}, token=support[1]
    )
    token = _change_link(api, support, customer, mailoutbox, "free@example.com")
    UserFactory(email="free@example.com")  # registered before the link was followed

    late = api.post_json(VERIFY, {"token": token})

    assert (refused.status_code, refused.json()["code"]) == (409, "email_taken")
    assert (late.status_code, late.json()["code"]) == (409, "email_taken")
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"
    assert not _entries(customer, "customer.email_change_confirmed").exists()


@pytest.mark.parametrize(
    ("email", "status", "code"),
    [("ADA@example.com", 422, "email_unchanged"), ("not-an-email", 422, "validation_error")],
)
def test_a_pointless_or_malformed_address_is_refused(
    api, support, customer, mailoutbox, email, status, code
):
    response = api.post_json(_email_change(customer), {"email": email}, token=support[1])

    assert (response.status_code, response.json()["code"]) == (status, code)
    run_tasks()
    assert mailoutbox == []
    assert not AuditLogEntry.objects.exists()


def test_email_change_requests_are_rate_limited_per_customer(api, support, customer):
    answers = [
        api.post_json(_email_change(customer), {"email": f"n{i}@example.com"}, token=support[1])
        for i in range(4)
    ]

    assert [a.status_code for a in answers] == [202, 202, 202, 429]
