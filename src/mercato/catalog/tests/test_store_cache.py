"""The storefront response cache, with real commits (the version is bumped on commit)."""

import pytest
from django.db import transaction

from mercato.audit.services import SYSTEM
from mercato.catalog import services
from mercato.catalog.models import CatalogState
from mercato.catalog.services import VariantChanges
from mercato.catalog.tests.factories import make_product, make_product_type

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/api/store/products"


@pytest.fixture
def cached(settings):
    settings.STORE_CACHE_SECONDS = 60


@pytest.fixture
def product():
    CatalogState.objects.get_or_create(pk=1)
    kind = make_product_type("Mug")
    return make_product(
        "Blue mug", product_type=kind, variants=[VariantChanges(sku="MUG-1", price="9.00")]
    )


def test_a_repeated_read_is_served_from_the_cache(api, cached, product):
    first = api.get_json(LIST, {"limit": 5})
    second = api.get_json(LIST, {"limit": 5})

    assert first["X-Cache"] == "miss"
    assert second["X-Cache"] == "hit"
    assert second.json() == first.json()
    assert second["X-Content-Type-Options"] == "nosniff"


def test_a_change_invalidates_cached_answers_at_once(api, cached, product):
    api.get_json(LIST)
    detail = api.get_json(f"{LIST}/{product.slug}")
    assert detail.json()["name"] == "Blue mug"

    services.update_product(
        actor=SYSTEM, product=product, changes=services.ProductChanges(name="Red mug")
    )

    listed = api.get_json(LIST)
    again = api.get_json(f"{LIST}/{product.slug}")
    assert listed["X-Cache"] == "miss"
    assert [item["name"] for item in listed.json()["items"]] == ["Red mug"]
    assert again.json()["name"] == "Red mug"


def test_an_unpublished_product_disappears_from_cached_lists(api, cached, product):
    assert len(api.get_json(LIST).json()["items"]) == 1

    services.bulk_set_status(actor=SYSTEM, products=[product], status="draft")

    assert api.get_json(LIST).json()["items"] == []
    assert api.get_json(f"{LIST}/{product.slug}").status_code == 404


def test_a_rolled_back_change_leaves_the_version_alone(cached, product):
    before = CatalogState.objects.get(pk=1).version
    with pytest.raises(RuntimeError), transaction.atomic():
        services.update_product(
            actor=SYSTEM, product=product, changes=services.ProductChanges(name="Gone")
        )
        raise RuntimeError

    assert CatalogState.objects.get(pk=1).version == before


def test_requests_with_credentials_and_errors_are_not_cached(api, cached, product):
    api.get_json(LIST, token="not-a-token")
    second = api.get_json(LIST, token="not-a-token")
    missing = api.get_json(f"{LIST}/no-such-product")

    assert "X-Cache" not in second
    assert missing.status_code == 404
    assert "X-Cache" not in missing


def test_a_cached_answer_has_its_length(api, cached, product):
    api.get_json(LIST)
    hit = api.get_json(LIST)

    assert hit["X-Cache"] == "hit"
    assert int(hit["Content-Length"]) == len(hit.content)
