import pytest
from django.conf import settings as django_settings
from django_tasks_db.models import DBTaskResult

from mercato.accounts.models import User
from mercato.accounts.tests.helpers import log_in
from mercato.core.models import Event
from tests.support import PASSWORD, ApiClient, run_tasks

REGISTER = "/api/store/auth/register"
NEW_PASSWORD = "Another-long-secret-42"


def test_register_new_email_creates_account_and_sends_welcome(api, db, mailoutbox):
    response = api.post_json(
        REGISTER,
        {"email": " New@Example.COM ", "password": NEW_PASSWORD, "first_name": "Ada"},
    )

    assert response.status_code == 202
    user = User.objects.get(email="new@example.com")
    assert user.first_name == "Ada"
    assert not user.is_staff
    assert user.email_verified_at is None
    assert mailoutbox == []  # sent by the worker, not the request
    run_tasks()
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["new@example.com"], f"Confirm your email address for {django_settings.SHOP_NAME}")
    ]
    assert "Welcome" in mailoutbox[0].body
    assert django_settings.EMAIL_VERIFY_URL.split("{token}")[0] in mailoutbox[0].body


def test_register_existing_email_answers_the_same_and_changes_nothing(
    api, customer, db, mailoutbox
):
    new = api.post_json(REGISTER, {"email": "fresh@example.com", "password": NEW_PASSWORD})
    before = User.objects.values().get(pk=customer.pk)

    taken = api.post_json(
        REGISTER,
        {"email": customer.email.upper(), "password": NEW_PASSWORD, "first_name": "Mallory"},
    )

    assert taken.status_code == new.status_code == 202
    assert taken.json() == new.json()
    assert taken["Content-Type"] == new["Content-Type"]
    assert User.objects.values().get(pk=customer.pk) == before
    assert User.objects.filter(email=customer.email).count() == 1
    assert log_in(api, customer.email).status_code == 200
    assert log_in(api, customer.email, NEW_PASSWORD).status_code == 401
    mailoutbox.clear()
    run_tasks()
    to_customer = [m for m in mailoutbox if m.to == [customer.email]]
    assert len(to_customer) == 1
    assert to_customer[0].subject.startswith("You already have")
    assert django_settings.PASSWORD_RESET_URL.split("{token}")[0] in to_customer[0].body


def test_register_weak_password_is_refused_and_creates_nothing(api, db):
    response = api.post_json(REGISTER, {"email": "weak@example.com", "password": "password"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "weak_password"
    assert body["errors"][0]["field"] == "password"
    assert not User.objects.filter(email="weak@example.com").exists()
    assert not Event.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_register_password_like_the_email_is_weak(api, db):
    response = api.post_json(
        REGISTER, {"email": "margaret.hamilton@example.com", "password": "margaret.hamilton"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "weak_password"
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": NEW_PASSWORD}, "email"),
        ({"email": "a@@example.com", "password": NEW_PASSWORD}, "email"),
        ({"email": "x" * 250 + "@example.com", "password": NEW_PASSWORD}, "email"),
        ({"email": "ok@example.com", "password": "p" * 129}, "password"),
        (
            {"email": "ok@example.com", "password": NEW_PASSWORD, "first_name": "a" * 151},
            "first_name",
        ),
        (
            {"email": "ok@example.com", "password": NEW_PASSWORD, "last_name": "a" * 151},
            "last_name",
        ),
        ({"email": "ok@example.com", "password": NEW_PASSWORD, "is_staff": True}, "is_staff"),
        (
            {"email": "ok@example.com", "password": NEW_PASSWORD, "marketing_opt_in": "maybe"},
            "marketing_opt_in",
        ),
        ({"email": "ok@example.com"}, "password"),
        ({"email": "ok@example.com", "password": ""}, "password"),
    ],
)
def test_register_bad_input_is_a_validation_problem(api, db, payload, field):
    response = api.post_json(REGISTER, payload)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in [error["field"] for error in body["errors"]]
    assert not User.objects.exists()


def test_register_malformed_json_is_refused(api, db):
    response = api.post_json(REGISTER, raw=b'{"email": "a@example.com", ')

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert not User.objects.exists()


def test_register_is_rate_limited_per_ip(db, clock):
    first_ip, other_ip = ApiClient(REMOTE_ADDR="10.0.0.1"), ApiClient(REMOTE_ADDR="10.0.0.2")
    for n in range(10):
        response = first_ip.post_json(
            REGISTER, {"email": f"user{n}@example.com", "password": NEW_PASSWORD}
        )
        assert response.status_code == 202

    refused = first_ip.post_json(REGISTER, {"email": "late@example.com", "password": PASSWORD})
    allowed = other_ip.post_json(REGISTER, {"email": "other@example.com", "password": PASSWORD})

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0
    assert not User.objects.filter(email="late@example.com").exists()
    assert allowed.status_code == 202


def test_register_is_rate_limited_per_email(db, clock, mailoutbox):
    for n in range(5):
        client = ApiClient(REMOTE_ADDR=f"10.0.0.{n}")
        assert (
            client.post_json(
                REGISTER, {"email": "target@example.com", "password": NEW_PASSWORD}
            ).status_code
            == 202
        )

    response = ApiClient(REMOTE_ADDR="10.0.1.1").post_json(
        REGISTER, {"email": "Target@Example.com", "password": NEW_PASSWORD}
    )

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    run_tasks()
    assert len(mailoutbox) == 5  # a welcome, then "account exists" four times; no more
