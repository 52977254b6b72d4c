"""Storefront response cache for the catalog.

Anonymous catalog reads (product list with facets, product detail, category tree,
collections) are cached whole, keyed by the catalog version and the request's path and
sorted query. Any change a shopper could see bumps the version (once per transaction, after
commit), so a cached answer is never older than the catalog; STORE_CACHE_SECONDS only bounds
how late a product with a future publish date appears.

Signals drive the bump: this is cache busting, which the domain does not care about.
"""

import hashlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse

from mercato.catalog.models import CatalogState


def _bump() -> None:
    if not CatalogState.objects.filter(pk=1).update(version=F("version") + 1):
        CatalogState.objects.get_or_create(pk=1)


def bump_catalog_version(**_: Any) -> None:
    """Invalidate every cached storefront answer once the current transaction commits."""
    if connection.in_atomic_block and any(entry[1] is _bump for entry in connection.run_on_commit):
        return
    transaction.on_commit(_bump)


def catalog_version() -> int:
    return CatalogState.objects.filter(pk=1).values_list("version", flat=True).first() or 0


CACHED_PATHS = re.compile(r"^/api/store/(products(/[^/]+)?|categories|collections(/[^/]+)?)$")


def _key(request: HttpRequest, version: int) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()[:40]
    return f"store:{version}:{digest}"


class StoreCacheMiddleware:
    """Serve anonymous catalog GETs from the cache while the catalog version is unchanged.
    Only successful answers are kept; requests with credentials always go through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.STORE_CACHE_SECONDS
        if (
            seconds <= 0
            or request.method != "GET"
            or "HTTP_AUTHORIZATION" in request.META
            or not CACHED_PATHS.match(request.path)
        ):
            return self.get_response(request)
        key = _key(request, catalog_version())
        hit = cache.get(key)
        if hit is not None:
            content_type, body = hit
            response = HttpResponse(body, content_type=content_type)
            response["X-Cache"] = "hit"
            response["Content-Length"] = str(len(body))
            return response
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming:
            cache.set(key, (response["Content-Type"], response.content), seconds)
            response["X-Cache"] = "miss"
        return response
