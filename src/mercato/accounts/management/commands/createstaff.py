"""`mercato createstaff`: make a staff account from the command line."""

import getpass
import secrets

from django.core.management.base import BaseCommand, CommandError

from mercato.accounts.services import create_staff_user
from mercato.audit.services import Actor
from mercato.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a staff account for the back office and the admin API."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--password", help="Omit to be asked, or with --generate-password to get one printed."
        )
        parser.add_argument("--generate-password", action="store_true")
        parser.add_argument(
            "--group",
            action="append",
            default=[],
            help="A permission group: Owner, Catalog manager, Order manager, Customer support, "
            "Analyst. Repeat for several.",
        )
        parser.add_argument("--superuser", action="store_true", help="Every permission.")

    def handle(self, *args, email, password, generate_password, group, superuser, **options):
        if generate_password:
            password = secrets.token_urlsafe(12)
        elif not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            user = create_staff_user(
                email=email,
                password=password,
                groups=group,
                superuser=superuser,
                actor=Actor(label="command:createstaff", source="command"),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Staff account {user.email} created."))
        if generate_password:
            self.stdout.write(f"Password (shown once): {password}")
