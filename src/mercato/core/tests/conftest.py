import os
import uuid

import pytest
from django.core.cache import cache

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def _redis_cache(url: str, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }


@pytest.fixture
def redis_cache(settings):
    """The default cache on the real Redis of TEST_REDIS_URL, under a key prefix of this test
    only (other test runs may share the database); its keys are deleted afterwards."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("needs a Redis: set TEST_REDIS_URL (CI sets redis://127.0.0.1:6379/15)")
    original = settings.CACHES
    settings.CACHES = _redis_cache(url, f"mercato-test-{uuid.uuid4().hex}")
    yield cache
    cache.delete_pattern("*")
    settings.CACHES = original  # before the autouse fixture clears the cache


@pytest.fixture
def broken_cache(settings):
    """The default cache on a Redis that is not there (a closed port)."""
    original = settings.CACHES
    settings.CACHES = _redis_cache(CLOSED_PORT_REDIS, "unreachable")
    yield
    settings.CACHES = original
