"""Customer support in the back office: nobody (a superuser included) types a customer's new
password or email on the Users or Customers page; the pages send a reset link or ask the new
address to confirm instead, through the same services as the admin API."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from mercato.accounts.tests.helpers import link_token
from mercato.audit.models import AuditLogEntry
from tests.support import PASSWORD, StaffFactory, UserFactory, run_tasks

USERS = "/admin/accounts/user"
CUSTOMERS = "/admin/customers/customer"
TAKEN_OVER = "Taken-over-pass-1"


def _back_office(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _in_role(role: str):
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name=role))
    return staff


@pytest.fixture
def customer(db):
    return UserFactory(email="ada@example.com", first_name="Ada")


EDITORS = {
    "support": lambda: _in_role("Customer support"),
    "owner": lambda: _in_role("Owner"),
    "superuser": lambda: StaffFactory(is_superuser=True),
}


@pytest.mark.parametrize("editor", EDITORS)
def test_nobody_sets_a_customers_password_in_the_back_office(customer, editor):
    client = _back_office(EDITORS[editor]())
    url = f"{USERS}/{customer.pk}/password/"

    page = client.get(url)
    posted = client.post(url, {"password1": TAKEN_OVER, "password2": TAKEN_OVER})

    assert (page.status_code, posted.status_code) == (403, 403)
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert not customer.check_password(TAKEN_OVER)


@pytest.mark.parametrize("editor", EDITORS)
def test_nobody_types_a_customers_email_in_the_back_office(customer, editor):
    client = _back_office(EDITORS[editor]())
    url = f"{USERS}/{customer.pk}/change/"

    page = client.get(url)
    form_fields = set(page.context["adminform"].form.fields)
    saved = client.post(
        url,
        {
            "email": "taken-over@example.com",
            "first_name": "Ada",
            "last_name": "Byron",
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert page.status_code == 200
    assert "email" not in form_fields
    # Django's user form always holds the password hash, disabled; it is not even shown,
    # with its link to the set-password page
    assert (
        "password" not in form_fields or page.context["adminform"].form.fields["password"].disabled
    )
    assert f"{USERS}/{customer.pk}/password/" not in page.content.decode()
    assert 'href="../password/"' not in page.content.decode()
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.last_name == "Byron"  # the other fields are still edited here
    assert customer.email == "ada@example.com"


def test_the_customers_page_does_not_take_an_email_either(customer):
    client = _back_office(_in_role("Customer support"))
    url = f"{CUSTOMERS}/{customer.pk}/change/"

    form_fields = set(client.get(url).context["adminform"].form.fields)
    client.post(
        url,
        {
            "email": "taken-over@example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "is_active": "on",
            "addresses-TOTAL_FORMS": "0",
            "addresses-INITIAL_FORMS": "0",
        },
    )

    assert not form_fields & {"email", "password"}
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"


def test_a_superuser_still_sets_a_staff_members_password(db):
    staff = StaffFactory()
    client = _back_office(StaffFactory(is_superuser=True))
    page = client.get(f"{USERS}/{staff.pk}/change/").content.decode()

    response = client.post(
        f"{USERS}/{staff.pk}/password/", {"password1": TAKEN_OVER, "password2": TAKEN_OVER}
    )

    assert 'href="../password/"' in page  # what a customer's page never shows
    assert "send-password-reset" not in page
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(TAKEN_OVER)


@pytest.mark.parametrize("page", [USERS, CUSTOMERS])
def test_the_page_sends_the_normal_reset_link(customer, mailoutbox, page, api):
    support = _in_role("Customer support")
    client = _back_office(support)
    url = f"{page}/{customer.pk}/send-password-reset/"
    assert f'href="{url}"' in client.get(f"{page}/{customer.pk}/change/").content.decode()

    asked = client.get(url)
    run_tasks()
    assert asked.status_code == 200 and "Send a password reset?" in asked.content.decode()
    assert mailoutbox == []  # looking at the dialog sends nothing

    done = client.post(url, {"_form_submitted": "on"}, headers={"HX-Request": "true"})

    assert (done.status_code, done.headers["HX-Redirect"]) == (204, f"{page}/{customer.pk}/change/")
    run_tasks()
    (message,) = mailoutbox
    assert message.to == ["ada@example.com"]
    (entry,) = AuditLogEntry.objects.filter(verb="customer.password_reset_sent")
    assert (entry.actor_user_id, entry.source) == (support.pk, "admin_site")
    reset = api.post_json(
        "/api/store/auth/password/reset/confirm",
        {"token": link_token(message), "new_password": "Chosen-by-the-customer-7"},
    )
    assert reset.status_code == 204
    customer.refresh_from_db()
    assert customer.check_password("Chosen-by-the-customer-7")


def test_the_page_asks_the_new_address_to_confirm(customer, mailoutbox, api):
    client = _back_office(_in_role("Customer support"))
    url = f"{CUSTOMERS}/{customer.pk}/request-email-change/"

    bad = client.post(url, {"_form_submitted": "on", "email": "not-an-email"})
    run_tasks()
    assert bad.status_code == 200 and "email" in bad.context["form"].errors
    assert mailoutbox == []

    client.post(url, {"_form_submitted": "on", "email": "new@example.com"})

    customer.refresh_from_db()
    assert customer.email == "ada@example.com"
    run_tasks()
    by_address = {message.to[0]: message for message in mailoutbox}
    assert set(by_address) == {"new@example.com", "ada@example.com"}
    assert AuditLogEntry.objects.filter(
        verb="customer.email_change_requested", source="admin_site"
    ).exists()
    confirmed = api.post_json(
        "/api/store/auth/email/verify", {"token": link_token(by_address["new@example.com"])}
    )
    assert confirmed.status_code == 200
    customer.refresh_from_db()
    assert customer.email == "new@example.com"


def test_a_refusal_is_shown_and_sends_nothing(customer, mailoutbox):
    UserFactory(email="taken@example.com")
    client = _back_office(_in_role("Customer support"))
    url = f"{CUSTOMERS}/{customer.pk}/request-email-change/"

    response = client.post(
        url, {"_form_submitted": "on", "email": "taken@example.com"}, follow=True
    )

    assert "Another account uses this email" in response.content.decode()
    run_tasks()
    assert mailoutbox == []
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"


@pytest.mark.parametrize("action", ["send-password-reset", "request-email-change"])
def test_staff_who_may_only_view_and_staff_accounts_get_no_action(
    customer, owner, mailoutbox, action
):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    support = _back_office(_in_role("Customer support"))
    body = {"_form_submitted": "on", "email": "new@example.com"}

    by_viewer = _back_office(viewer).post(f"{USERS}/{customer.pk}/{action}/", body)
    on_staff = support.post(f"{USERS}/{owner.pk}/{action}/", body)

    assert (by_viewer.status_code, on_staff.status_code) == (403, 403)
    run_tasks()
    assert mailoutbox == []
    assert not AuditLogEntry.objects.filter(verb__startswith="customer.").exists()
