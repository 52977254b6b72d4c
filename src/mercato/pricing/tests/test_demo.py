from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from mercato.pricing import services
from mercato.pricing.models import Voucher
from mercato.pricing.tests.conftest import make_voucher

pytestmark = pytest.mark.django_db


def test_the_demo_voucher_loads_once_and_takes_ten_percent_from_fifty():
    call_command("load_demo_pricing")
    call_command("load_demo_pricing")

    voucher = Voucher.objects.get()
    assert voucher.code == "WELCOME10"
    assert (voucher.kind, voucher.value, voucher.min_subtotal) == (
        "percentage",
        Decimal("10.00"),
        Decimal("50.00"),
    )
    assert voucher.is_active and voucher.usage_limit is None
    assert voucher.usage_limit_per_customer is None  # the docs' walkthrough can run again
    found = services.check_voucher(
        code="welcome10",
        subtotal=Decimal("50.00"),
        quantity=1,
        user_id=None,
        email="ada@example.com",
        now=timezone.now(),
    )
    assert found.pk == voucher.pk


def test_no_demo_voucher_when_the_shop_has_vouchers():
    make_voucher(code="OWN5")

    call_command("load_demo_pricing")

    assert list(Voucher.objects.values_list("code", flat=True)) == ["OWN5"]
