"""Staff roles: the permission groups every shop starts with, and what each may do.

Patterns are `app_label.codename` with shell wildcards. After every `migrate`, each group gets
the permissions its patterns match, so an app added later (orders, catalog …) extends the
roles without a migration of its own. Permissions granted by hand are kept.
"""

from fnmatch import fnmatchcase

from django.conf import settings

ROLES: dict[str, list[str]] = {
    "Owner": ["*"],
    "Catalog manager": [
        "catalog.*",
        "inventory.*",
        "pricing.view_*",
    ],
    "Order manager": [
        "orders.*",
        "payments.*",
        "shipping.*",
        "checkout.*",
        "inventory.view_*",
        "accounts.view_user",
        "customers.view_*",
    ],
    "Customer support": [
        "accounts.view_user",
        "accounts.change_user",
        "accounts.view_authsession",
        "accounts.change_authsession",
        "customers.*",
        "orders.view_*",
        "payments.view_*",
        "checkout.view_*",
    ],
    # Reports and nothing else: the dashboard's figures and the Reports pages, no customer,
    # order or catalog records (migration 0003 took the wider grants of earlier versions back).
    "Analyst": ["analytics.view_*"],
}


def matches(role: str, permission: str) -> bool:
    return any(fnmatchcase(permission, pattern) for pattern in ROLES[role])


def sync_role_permissions(*, group_model, permission_model) -> None:
    """Create the role groups if missing and grant each the permissions it matches."""
    permissions = list(
        permission_model.objects.select_related("content_type").only(
            "id", "codename", "content_type__app_label"
        )
    )
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = [
            p.pk for p in permissions if matches(role, f"{p.content_type.app_label}.{p.codename}")
        ]
        group.permissions.add(*wanted)


def two_factor_required(user) -> bool:
    """Whether this staff member must use two-factor authentication: they hold a role named in
    STAFF_2FA_REQUIRED_ROLES (`superuser` names superusers, `*` every staff member)."""
    required = set(settings.STAFF_2FA_REQUIRED_ROLES)
    if not required or not user.is_staff:
        return False
    if "*" in required or ("superuser" in required and user.is_superuser):
        return True
    return user.groups.filter(name__in=required - {"*", "superuser"}).exists()
