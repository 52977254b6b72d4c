from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    from mercato.accounts.roles import sync_role_permissions

    sync_role_permissions(group_model=Group, permission_model=Permission)


class AccountsConfig(AppConfig):
    name = "mercato.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        # Roles follow the permissions of apps added later (see accounts/roles.py).
        post_migrate.connect(_sync_roles, dispatch_uid="mercato.sync_roles")
