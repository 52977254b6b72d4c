"""Demo pricing for the demo shop: the voucher WELCOME10 (10 % off orders from 50.00), made
through the pricing services. The API guide's checkout walkthrough applies it. Tax classes,
rates and settings are not demo data: a migration loads them into every database."""

from decimal import Decimal

from django.db import transaction

from mercato.audit.services import Actor
from mercato.pricing import services
from mercato.pricing.models import Voucher

ACTOR = Actor(label="demo-data", source="command")

DEMO_VOUCHERS = [
    services.VoucherDetails(
        code="WELCOME10",
        name="Welcome: 10 % off orders from 50.00",
        kind=Voucher.Kind.PERCENTAGE,
        value=Decimal("10"),
        min_subtotal=Decimal("50.00"),
    ),
]


def load_demo_pricing() -> int:
    """Create the demo vouchers when there is no voucher yet; how many vouchers made."""
    if Voucher.objects.exists():
        return 0
    with transaction.atomic():
        for details in DEMO_VOUCHERS:
            services.create_voucher(actor=ACTOR, details=details)
    return len(DEMO_VOUCHERS)
