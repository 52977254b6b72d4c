"""Create the demo staff account on an empty database and print its credentials once."""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mercato.accounts.models import User
from mercato.accounts.services import create_staff_user
from mercato.audit.services import Actor
from mercato.core.errors import DomainError

DEMO_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = (
        "Create a demo staff account (Owner) if there is no staff account yet. Its password is "
        "MERCATO_DEMO_STAFF_PASSWORD when set, else a random one printed once."
    )

    def handle(self, *args, **options):
        if User.objects.filter(is_staff=True).exists():
            self.stdout.write("Staff accounts exist; no demo account made.")
            return
        password = settings.DEMO_STAFF_PASSWORD or secrets.token_urlsafe(12)
        try:
            create_staff_user(
                email=DEMO_EMAIL,
                password=password,
                groups=["Owner"],
                superuser=True,
                first_name="Demo",
                last_name="Owner",
                actor=Actor(label="command:ensure_demo_staff", source="command"),
            )
        except DomainError as exc:
            raise CommandError(f"MERCATO_DEMO_STAFF_PASSWORD: {exc.code}: {exc}") from exc
        shown = "(MERCATO_DEMO_STAFF_PASSWORD)" if settings.DEMO_STAFF_PASSWORD else password
        bar = "=" * 64
        self.stdout.write(
            f"\n{bar}\n  Demo staff account (shown this once; keep it):\n"
            f"    email:    {DEMO_EMAIL}\n    password: {shown}\n"
            f"  Back office: /admin/    Admin API token: POST /api/admin/auth/login\n{bar}\n"
        )
