from django.core.management.base import BaseCommand
from django.db import transaction

from mercato.catalog.search import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the product search index from scratch."

    def handle(self, *args, **options):
        with transaction.atomic():
            count = rebuild_index()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} products."))
