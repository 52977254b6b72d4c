import pytest

from mercato.audit.services import Actor
from tests.support.orders import make_order


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.PAYMENT_PROVIDERS = ["manual", "test"]
    settings.PAYMENT_AUTO_CAPTURE = True
    settings.PAYMENT_TEST_WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def manual_capture(settings):
    """Authorised card payments wait for staff to capture them."""
    settings.PAYMENT_AUTO_CAPTURE = False


@pytest.fixture
def order(db):
    """An unfulfilled, unpaid order of 59.90 EUR (2 x 20.00 + 15.00 + 4.90 shipping)."""
    return make_order().order


@pytest.fixture
def staff_actor(owner):
    return Actor(user_id=owner.pk, label=owner.email, source="admin_api")
