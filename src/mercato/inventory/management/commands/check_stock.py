"""`mercato check-stock`: prove that stock rows, the movement ledger and the allocations agree."""

import sys

from django.core.management.base import BaseCommand

from mercato.inventory.models import Stock
from mercato.inventory.selectors import verify_ledger


class Command(BaseCommand):
    help = "Check that every stock row agrees with its ledger and allocations; exit 1 if not."

    def handle(self, *args, **options):
        problems = verify_ledger()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            self.stderr.write(self.style.ERROR(f"{len(problems)} disagreement(s) found."))
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(f"{Stock.objects.count()} stock rows agree with the ledger.")
        )
