import pytest
from django.contrib.auth.models import Group

from mercato.accounts.models import AuthSession
from tests.support import StaffFactory, sign_in


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
