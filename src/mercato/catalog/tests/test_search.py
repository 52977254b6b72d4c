from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from mercato.audit.services import SYSTEM
from mercato.catalog import search, services
from mercato.catalog.models import Product
from mercato.catalog.tests.factories import (
    make_attribute,
    make_product,
    make_product_type,
    variant,
)

PRODUCTS = "/api/store/products"


def found(api, query: str) -> list[str]:
    response = api.get_json(PRODUCTS, {"q": query, "facets": "false"})
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def indexed_ids() -> set[int]:
    """Products the search index holds an entry for."""
    if connection.vendor == "postgresql":
        return set(Product.objects.filter(search_vector__isnull=False).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {search.FTS_TABLE}")
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def clothes(db):
    make_attribute("Material", input_type="text")
    make_attribute("Fit", values=["Slim", "Falcon cut"])
    product_type = make_product_type(product_attributes=["material", "fit"])
    return product_type


def test_name_beats_sku_beats_attribute_beats_description(api, clothes):
    make_product(
        "Blue scarf", product_type=clothes, description="Knitted like a falcon nest, warm and soft."
    )
    make_product("Grey coat", product_type=clothes, attributes={"material": "falcon"})
    make_product("Plain shirt", product_type=clothes, variants=[variant(sku="FALCON1")])
    make_product("Falcon jacket", product_type=clothes, description="Warm and soft.")
    make_product("Red hat", product_type=clothes, description="Nothing to see.")

    assert found(api, "falcon") == ["Falcon jacket", "Plain shirt", "Grey coat", "Blue scarf"]


def test_a_choice_value_is_searchable(api, clothes):
    make_product("Wide trousers", product_type=clothes, attributes={"fit": "falcon-cut"})

    assert found(api, "falcon") == ["Wide trousers"]


def test_a_name_match_ranks_above_a_description_match(api, clothes):
    make_product("Plain sweater", product_type=clothes, description="Goes well with a hoodie.")
    make_product("Grey hoodie", product_type=clothes)

    assert found(api, "hoodie") == ["Grey hoodie", "Plain sweater"]


def test_prefix_matching_and_all_words_must_match(api, clothes):
    make_product("Hoodie", product_type=clothes)
    make_product("Zip hoodie", product_type=clothes)
    make_product("Hood ornament", product_type=clothes)
    make_product("Zipper", product_type=clothes)

    assert sorted(found(api, "hood")) == ["Hood ornament", "Hoodie", "Zip hoodie"]
    assert found(api, "zip hood") == ["Zip hoodie"]
    assert found(api, "HOODI") == found(api, "hoodi")
    assert found(api, "kangaroo") == []


def test_search_shows_only_visible_products(api, clothes):
    make_product("Hoodie", product_type=clothes)
    make_product("Draft hoodie", product_type=clothes, status="draft")
    make_product("Archived hoodie", product_type=clothes, status="archived")

    assert found(api, "hoodie") == ["Hoodie"]


def test_punctuation_only_queries_do_not_break_search(api, clothes):
    make_product("Hoodie", product_type=clothes)

    for query in ['"', "*", "AND OR NOT", "(", "hood*", "'; DROP TABLE x; --"]:
        response = api.get_json(PRODUCTS, {"q": query})
        assert response.status_code == 200, (query, response.content)


def test_typos_are_forgiven_on_postgresql(api, clothes):
    if connection.vendor != "postgresql":
        pytest.skip("typo tolerance uses pg_trgm; SQLite's FTS5 only matches words and prefixes")
    make_product("Hoodie", product_type=clothes)
    make_product("Sweater", product_type=clothes)
    make_product("Draft hoodie", product_type=clothes, status="draft")

    assert found(api, "hodie") == ["Hoodie"]


def test_the_index_follows_a_rename_at_once(api, clothes):
    product = make_product("Hoodie", product_type=clothes)

    services.update_product(
        actor=SYSTEM, product=product, changes=services.ProductChanges(name="Sweatshirt")
    )

    assert found(api, "sweatshirt") == ["Sweatshirt"]
    assert found(api, "hoodie") == []


def test_a_deleted_product_leaves_the_index(api, clothes):
    product = make_product("Hoodie", product_type=clothes)
    kept = make_product("Hoodie two", product_type=clothes)
    assert indexed_ids() == {product.pk, kept.pk}

    services.delete_product(actor=SYSTEM, product=product)

    assert indexed_ids() == {kept.pk}
    assert found(api, "hoodie") == ["Hoodie two"]


def test_variant_changes_are_searchable_at_once(api, clothes):
    product = make_product("Hoodie", product_type=clothes)

    added = services.create_variant(
        actor=SYSTEM, product=product, changes=services.VariantChanges(sku="ZQX9981", price="5")
    )
    assert found(api, "zqx9981") == ["Hoodie"]

    services.update_variant(
        actor=SYSTEM, variant=added, changes=services.VariantChanges(sku="KLM4410")
    )
    assert found(api, "klm4410") == ["Hoodie"]
    assert found(api, "zqx9981") == []

    services.delete_variant(actor=SYSTEM, variant=added)
    assert found(api, "klm4410") == []


def test_attribute_and_description_changes_are_searchable_at_once(api, clothes):
    product = make_product("Hoodie", product_type=clothes)

    services.update_product(
        actor=SYSTEM,
        product=product,
        changes=services.ProductChanges(
            attributes={"material": "merino"}, description="Made in Portugal."
        ),
    )

    assert found(api, "merino") == ["Hoodie"]
    assert found(api, "portugal") == ["Hoodie"]


def test_rebuild_command_rebuilds_the_index_from_scratch(api, clothes):
    products = [
        make_product("Hoodie", product_type=clothes, variants=[variant(sku="QRS1001")]),
        make_product("Jacket", product_type=clothes, variants=[variant(sku="QRS1002")]),
    ]
    if connection.vendor == "postgresql":
        Product.objects.update(search_vector=None)
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {search.FTS_TABLE}")
    assert found(api, "qrs1001") == []

    call_command("rebuild_search_index", stdout=StringIO())

    assert indexed_ids() == {p.pk for p in products}
    assert found(api, "qrs1001") == ["Hoodie"]
    assert found(api, "qrs1002") == ["Jacket"]
