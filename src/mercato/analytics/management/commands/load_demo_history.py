from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand

from mercato.analytics.demo_history import ORDERS_PER_DAY, load_demo_history
from mercato.core.progress import Progress


class Command(BaseCommand):
    help = (
        "Place about 90 days of demo orders (demo customers, payments, parcels, refunds and "
        "returns) through the services, then rebuild the analytics, if there is no order yet."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--orders-per-day", type=float, default=ORDERS_PER_DAY)
        parser.add_argument("--customers", type=int, default=40)
        parser.add_argument("--days", type=int, default=90)

    def handle(
        self, *args: Any, orders_per_day: float, customers: int, days: int, **options: Any
    ) -> None:
        bars: list[Progress] = []

        def start(total: int) -> Callable[[], None]:
            bars.append(Progress("Demo history", total, stream=self.stdout))
            return bars[0].step

        made = load_demo_history(
            orders_per_day=orders_per_day, customers=customers, days=days, on_start=start
        )
        if not made:
            self.stdout.write("Orders exist (or no demo stock); no demo history loaded.")
            return
        bars[0].done(f"Demo history: {made} orders over {days} days; analytics rebuilt")
