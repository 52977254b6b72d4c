from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from mercato.accounts.models import AuthSession
from mercato.analytics.tests.history import Line, pay, place, refund
from tests.support import StaffFactory, run_tasks, sign_in

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _shop(settings):
    settings.PAYMENT_PROVIDERS = ["manual", "test"]
    settings.PAYMENT_AUTO_CAPTURE = True
    settings.RATE_LIMIT_PAYMENT_ORDER = None
    settings.RATE_LIMIT_PAYMENT_IP = None
    settings.STORE_CURRENCY = "EUR"
    settings.SHOP_TIME_ZONE = "Europe/Berlin"


@pytest.fixture
def analyst_token(db) -> str:
    """A staff member with the Analyst role (the reports and little else)."""
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Analyst"))
    return sign_in(user, AuthSession.Audience.ADMIN).access_token


@pytest.fixture
def sales(db):
    """March 2026: 40.00 on the 2nd, 20.00 + 10.00 on the 9th (with a 5.00 refund on the
    10th); February: 30.00 on the 25th; and 50.00 USD on the 9th."""
    for day, price in ((2, "40.00"), (9, "20.00"), (9, "10.00")):
        order = place(
            at=datetime(2026, 3, day, 12, tzinfo=BERLIN), lines=[Line(price)], shipping="0"
        )
        if price == "20.00":
            pay(order)
            refund(order, "5.00", at=datetime(2026, 3, 10, 9, tzinfo=BERLIN))
    place(at=datetime(2026, 2, 25, 12, tzinfo=BERLIN), lines=[Line("30.00")], shipping="0")
    place(
        at=datetime(2026, 3, 9, 12, tzinfo=BERLIN),
        currency="USD",
        lines=[Line("50.00")],
        shipping="0",
    )
    run_tasks()
