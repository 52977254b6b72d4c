from typing import Any

from django.core.management.base import BaseCommand

from mercato.analytics.cart_rollups import rebuild_carts
from mercato.analytics.services import placed_orders, rebuild_analytics
from mercato.analytics.tracking import rebuild_traffic
from mercato.core.progress import Progress


class Command(BaseCommand):
    help = (
        "Rebuild the analytics facts and daily roll-ups from the orders and payments, and "
        "the traffic roll-ups from the storefront events."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        progress = Progress("Orders", placed_orders().count(), stream=self.stdout)
        count = rebuild_analytics(step=progress.step)
        progress.done(self.style.SUCCESS(f"Rebuilt the analytics of {count} orders."))
        days = rebuild_traffic()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the traffic of {days} days."))
        carts = rebuild_carts()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {carts} daily cart roll-ups."))
