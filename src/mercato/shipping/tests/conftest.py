import pytest
from django.contrib.auth.models import Permission

from mercato.accounts.models import AuthSession
from tests.support import StaffFactory, sign_in


@pytest.fixture
def viewer_token(db) -> str:
    """A staff member who may look at zones and methods, and change nothing."""
    user = StaffFactory()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="shipping",
            codename__in=["view_shippingzone", "view_shippingmethod"],
        )
    )
    return sign_in(user, AuthSession.Audience.ADMIN).access_token
