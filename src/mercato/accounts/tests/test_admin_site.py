"""The back office must not be a way around the admin API's rules: who may grant access and
which permissions an app or key may get."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from mercato.accounts.models import ApiKey, App
from mercato.accounts.tests.test_admin_api import grant, make_app
from tests.support import PASSWORD, StaffFactory, UserFactory


@pytest.fixture
def support(db):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Customer support"))
    return user


def _back_office(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _no_inline(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_support_edits_a_customer_but_cannot_grant_access(support):
    customer = UserFactory()
    page = _back_office(support).get(f"/admin/accounts/user/{customer.pk}/change/")

    assert page.status_code == 200
    form_fields = set(page.context["adminform"].form.fields)
    assert "first_name" in form_fields
    assert not form_fields & {"is_staff", "is_superuser", "groups", "user_permissions"}


def test_support_cannot_change_a_staff_account_or_its_password(support, owner):
    client = _back_office(support)

    page = client.get(f"/admin/accounts/user/{owner.pk}/change/")
    change = client.post(
        f"/admin/accounts/user/{owner.pk}/change/", {"email": "mine@example.com", "is_active": "on"}
    )
    password = client.post(
        f"/admin/accounts/user/{owner.pk}/password/",
        {"password1": "Taken-over-pass-1", "password2": "Taken-over-pass-1"},
    )

    assert page.status_code == 200
    assert "email" not in page.context["adminform"].form.fields
    assert change.status_code == 403
    assert password.status_code == 403
    owner.refresh_from_db()
    assert owner.email != "mine@example.com"
    assert owner.check_password(PASSWORD)


def test_superuser_still_grants_access(db):
    superuser = StaffFactory(is_superuser=True)
    customer = UserFactory()

    page = _back_office(superuser).get(f"/admin/accounts/user/{customer.pk}/change/")

    assert {"is_staff", "is_superuser", "groups"} <= set(page.context["adminform"].form.fields)


def test_app_admin_offers_only_permissions_the_editor_holds(db):
    staff = StaffFactory()
    grant(staff, "accounts.add_app", "accounts.view_app", "accounts.view_user")
    delete_user = Permission.objects.get(content_type__app_label="accounts", codename="delete_user")
    client = _back_office(staff)

    response = client.post(
        "/admin/accounts/app/add/",
        {
            "name": "Sneaky",
            "is_active": "on",
            "permissions": [delete_user.pk],
            **_no_inline("keys"),
        },
    )

    assert response.status_code == 200
    assert "permissions" in response.context["adminform"].form.errors
    assert not App.objects.exists()
    offered = response.context["adminform"].form.fields["permissions"].queryset
    assert set(offered.values_list("codename", flat=True)) == {"add_app", "view_app", "view_user"}


def test_key_admin_offers_only_apps_within_the_editors_permissions(owner):
    weak, _ = make_app(owner, "accounts.view_app", name="Weak")
    strong, _ = make_app(owner, "accounts.view_app", "accounts.delete_user", name="Strong")
    staff = StaffFactory()
    grant(staff, "accounts.add_apikey", "accounts.view_apikey", "accounts.view_app")
    client = _back_office(staff)

    page = client.get("/admin/accounts/apikey/add/")
    refused = client.post("/admin/accounts/apikey/add/", {"app": strong.pk, "name": "x"})

    assert list(page.context["adminform"].form.fields["app"].queryset) == [weak]
    assert refused.status_code == 200
    assert "app" in refused.context["adminform"].form.errors
    assert ApiKey.objects.filter(app=strong).count() == 1
