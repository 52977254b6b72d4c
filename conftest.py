import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from mercato.accounts.models import AuthSession
from tests.support import ApiClient, StaffFactory, UserFactory, sign_in


@pytest.fixture(autouse=True)
def _isolate(settings):
    """Fast password hashing in tests (argon2 is tested on its own), no store response cache,
    and a clean cache so rate-limit counters never leak from one test into the next."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests run inside a transaction that never commits, so the cache's version bump (on
    # commit) would not happen: the store cache is tested on its own, with commits.
    settings.STORE_CACHE_SECONDS = 0
    # No role needs two-factor authentication unless a test says so (the default depends on
    # DEBUG); accounts/tests/test_two_factor.py covers it.
    settings.STAFF_2FA_REQUIRED_ROLES = []
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def customer_token(customer) -> str:
    return sign_in(customer).access_token


@pytest.fixture
def other_customer(db):
    return UserFactory()


@pytest.fixture
def owner(db):
    """A staff member in the Owner group (every permission, through the group)."""
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Owner"))
    return user


@pytest.fixture
def owner_token(owner) -> str:
    return sign_in(owner, AuthSession.Audience.ADMIN).access_token


@pytest.fixture
def staff_without_permissions(db):
    return StaffFactory()


@pytest.fixture
def staff_token_without_permissions(staff_without_permissions) -> str:
    return sign_in(staff_without_permissions, AuthSession.Audience.ADMIN).access_token
