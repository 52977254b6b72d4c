"""`mercato reset_two_factor --email …`: the operator's reset of a staff member's 2FA."""

from django.core.management.base import BaseCommand, CommandError

from mercato.accounts.models import User
from mercato.accounts.roles import two_factor_required
from mercato.accounts.two_factor import reset_two_factor
from mercato.audit.services import Actor


class Command(BaseCommand):
    help = (
        "Reset a staff member's two-factor authentication (a lost phone): remove their "
        "authenticator and recovery codes and sign out all their sessions. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--reason", default="", help="Why (kept in the audit log), e.g. a ticket number."
        )

    def handle(self, *args, email, reason, **options):
        user = User.objects.filter(email=User.objects.normalize_email(email)).first()
        if user is None or not user.is_staff:
            raise CommandError(f"No staff account uses {email}.")
        label = "command:reset_two_factor" + (f" ({reason})" if reason else "")
        removed = reset_two_factor(user=user, actor=Actor(label=label, source="command"))
        if not removed:
            self.stdout.write(f"{user.email} had no two-factor devices; sessions signed out.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Two-factor authentication of {user.email} reset; all sessions signed out."
                )
            )
        if two_factor_required(user):
            self.stdout.write("Their role requires it: they enrol again at their next sign-in.")
