"""Create the demo staff account on an empty database and print its credentials once."""

import secrets

from django.core.management.base import BaseCommand

from mercato.accounts.models import User
from mercato.accounts.services import create_staff_user
from mercato.audit.services import Actor

DEMO_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = "Create a demo staff account (Owner) if there is no staff account yet."

    def handle(self, *args, **options):
        if User.objects.filter(is_staff=True).exists():
            self.stdout.write("Staff accounts exist; no demo account made.")
            return
        password = secrets.token_urlsafe(12)
        create_staff_user(
            email=DEMO_EMAIL,
            password=password,
            groups=["Owner"],
            superuser=True,
            first_name="Demo",
            last_name="Owner",
            actor=Actor(label="command:ensure_demo_staff", source="command"),
        )
        bar = "=" * 64
        self.stdout.write(
            f"\n{bar}\n  Demo staff account (shown this once; keep it):\n"
            f"    email:    {DEMO_EMAIL}\n    password: {password}\n"
            f"  Back office: /admin/    Admin API token: POST /api/admin/auth/login\n{bar}\n"
        )
