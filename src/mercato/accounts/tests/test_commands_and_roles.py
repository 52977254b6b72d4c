import re
from importlib import import_module
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command

from mercato.accounts.models import User
from mercato.accounts.roles import ROLES, sync_role_permissions
from mercato.accounts.tests.helpers import log_in
from mercato.audit.models import AuditLogEntry
from tests.support import PASSWORD, StaffFactory

STAFF_PASSWORD = "Staff-secret-pass-5"


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- createstaff ----------------------------------------------------------------------------


def test_createstaff_makes_a_staff_member_in_the_group(api, db):
    output = _run(
        "createstaff",
        "--email=Clerk@Example.com",
        f"--password={STAFF_PASSWORD}",
        "--group=Catalog manager",
        "--group=Analyst",
    )

    user = User.objects.get(email="clerk@example.com")
    assert "created" in output
    assert user.is_staff
    assert not user.is_superuser
    assert user.is_email_verified
    assert set(user.groups.values_list("name", flat=True)) == {"Catalog manager", "Analyst"}
    assert log_in(api, "clerk@example.com", STAFF_PASSWORD, admin=True).status_code == 200
    entry = AuditLogEntry.objects.get(verb="staff.create")
    assert entry.object_id == str(user.public_id)
    assert entry.source == "command"
    assert entry.changes["password"] == [None, "[redacted]"]


def test_createstaff_with_an_unknown_group_creates_nothing(db):
    with pytest.raises(CommandError, match="Unknown groups: Janitor"):
        _run(
            "createstaff",
            "--email=x@example.com",
            f"--password={STAFF_PASSWORD}",
            "--group=Janitor",
        )

    assert not User.objects.filter(email="x@example.com").exists()
    assert not AuditLogEntry.objects.exists()


def test_createstaff_with_a_taken_email_is_refused(customer):
    with pytest.raises(CommandError, match="email_taken"):
        _run("createstaff", f"--email={customer.email}", f"--password={STAFF_PASSWORD}")

    customer.refresh_from_db()
    assert not customer.is_staff
    assert customer.check_password(PASSWORD)


def test_createstaff_with_a_weak_password_is_refused(db):
    with pytest.raises(CommandError, match="weak_password"):
        _run("createstaff", "--email=x@example.com", "--password=123")

    assert not User.objects.exists()


def test_createstaff_can_generate_the_password(api, db):
    output = _run("createstaff", "--email=boss@example.com", "--generate-password", "--superuser")

    password = re.search(r"Password \(shown once\): (\S+)", output).group(1)
    user = User.objects.get(email="boss@example.com")
    assert user.is_superuser
    assert log_in(api, "boss@example.com", password, admin=True).status_code == 200


# --- ensure_demo_staff ----------------------------------------------------------------------


def test_ensure_demo_staff_prints_credentials_once(api, db):
    first = _run("ensure_demo_staff")
    second = _run("ensure_demo_staff")

    email = re.search(r"email:\s+(\S+)", first).group(1)
    password = re.search(r"password:\s+(\S+)", first).group(1)
    demo = User.objects.get(email=email)
    assert demo.is_staff
    assert demo.is_superuser
    assert list(demo.groups.values_list("name", flat=True)) == ["Owner"]
    assert log_in(api, email, password, admin=True).status_code == 200
    assert password not in second
    assert "password" not in second
    assert User.objects.filter(is_staff=True).count() == 1


def test_ensure_demo_staff_takes_its_password_from_the_environment(api, db, settings):
    settings.DEMO_STAFF_PASSWORD = "Demo-staff-pass-77"

    output = _run("ensure_demo_staff")

    assert "Demo-staff-pass-77" not in output
    assert "MERCATO_DEMO_STAFF_PASSWORD" in output
    assert log_in(api, "admin@example.com", "Demo-staff-pass-77", admin=True).status_code == 200


def test_ensure_demo_staff_refuses_a_weak_password_from_the_environment(db, settings):
    settings.DEMO_STAFF_PASSWORD = "12345678"

    with pytest.raises(CommandError, match="MERCATO_DEMO_STAFF_PASSWORD"):
        _run("ensure_demo_staff")

    assert not User.objects.filter(is_staff=True).exists()


def test_ensure_demo_staff_does_nothing_when_staff_exist(db):
    StaffFactory()

    output = _run("ensure_demo_staff")

    assert "password" not in output
    assert User.objects.filter(is_staff=True).count() == 1


# --- roles ----------------------------------------------------------------------------------


def _perms(group_name: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_role_groups_exist_after_migrations(db):
    names = set(Group.objects.values_list("name", flat=True))

    assert {"Owner", "Catalog manager", "Order manager", "Customer support", "Analyst"} <= names
    assert set(ROLES) <= names


def test_role_groups_hold_their_permissions(db):
    everything = Permission.objects.count()

    assert Group.objects.get(name="Owner").permissions.count() == everything
    support = _perms("Customer support")
    assert {"accounts.view_user", "accounts.change_user", "customers.add_address"} <= support
    assert "accounts.add_app" not in support
    assert "accounts.delete_user" not in support
    analyst = _perms("Analyst")
    assert "analytics.view_dailysales" in analyst
    assert all(p.startswith("analytics.view_") for p in analyst)  # reports and nothing else
    assert "accounts.view_user" in _perms("Order manager")
    assert not {p for p in _perms("Catalog manager") if p.startswith("accounts.")}


def test_sync_restores_missing_roles_and_keeps_manual_grants(db):
    Group.objects.filter(name="Analyst").delete()
    support = Group.objects.get(name="Customer support")
    extra = Permission.objects.get(content_type__app_label="accounts", codename="view_app")
    support.permissions.add(extra)
    support.permissions.remove(
        Permission.objects.get(content_type__app_label="accounts", codename="view_user")
    )

    sync_role_permissions(group_model=Group, permission_model=Permission)

    assert "analytics.view_dailysales" in _perms("Analyst")
    assert {"accounts.view_user", "accounts.view_app"} <= _perms("Customer support")


def test_migrate_syncs_the_roles(db):
    Group.objects.filter(name="Order manager").delete()

    call_command("migrate", verbosity=0)

    assert "accounts.view_user" in _perms("Order manager")


def test_the_analyst_loses_the_wider_grants_of_earlier_versions(db):
    from django.apps import apps

    narrow = import_module("mercato.accounts.migrations.0003_analyst_reports_only")
    analyst = Group.objects.get(name="Analyst")
    older = Permission.objects.filter(
        content_type__app_label__in=["orders", "customers"], codename__startswith="view_"
    )
    analyst.permissions.add(*older)
    support_before = _perms("Customer support")

    narrow.narrow_the_analyst(apps, None)

    assert _perms("Analyst") == _analytics_views()
    assert _perms("Customer support") == support_before


def _analytics_views() -> set[str]:
    return {
        f"analytics.{codename}"
        for codename in Permission.objects.filter(
            content_type__app_label="analytics", codename__startswith="view_"
        ).values_list("codename", flat=True)
    }
