from datetime import timedelta

import pytest
from django.utils import timezone

from mercato.audit.services import SYSTEM
from mercato.catalog import services
from mercato.catalog.models import Product
from mercato.catalog.tests.factories import make_category, make_product, tee

PRODUCT = "/api/store/products/{}"


def test_detail_by_slug_has_variants_media_attributes_and_breadcrumbs(api, shop):
    product = shop.alpha
    services.update_product(
        actor=SYSTEM,
        product=product,
        changes=services.ProductChanges(
            metadata={"badge": "new"}, private_metadata={"supplier": "acme"}
        ),
    )
    small, medium = product.variants.order_by("price")
    services.add_media(actor=SYSTEM, product=product, external_url="https://img.test/a.png")
    red_small = services.add_media(
        actor=SYSTEM,
        product=product,
        external_url="https://img.test/b.png",
        alt="Small",
        variant_ids=[small.pk],
    )

    response = api.get_json(PRODUCT.format("alpha-tee"))

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Alpha tee"
    assert body["metadata"] == {"badge": "new"}
    assert "private_metadata" not in body
    assert [c["slug_path"] for c in body["breadcrumbs"]] == [
        "clothing",
        "clothing/tops",
        "clothing/tops/shirts",
    ]
    assert body["attributes"] == [
        {
            "attribute": "material",
            "name": "Material",
            "type": "single_choice",
            "unit": "",
            "values": [{"slug": "cotton", "name": "Cotton"}],
            "value": None,
        }
    ]
    assert [m["url"] for m in body["media"]] == ["https://img.test/a.png", "https://img.test/b.png"]
    variants = {v["sku"]: v for v in body["variants"]}
    assert variants[small.sku]["price"] == {"amount": "10.00", "currency": "EUR"}
    assert variants[small.sku]["name"] == "S / Red"
    assert variants[small.sku]["media_ids"] == [str(red_small.public_id)]
    assert variants[medium.sku]["media_ids"] == []
    assert {a["attribute"]: a["values"][0]["slug"] for a in variants[medium.sku]["attributes"]} == {
        "size": "m",
        "colour": "red",
    }
    assert body["price"]["min"]["amount"] == "10.00"
    assert body["price"]["max"]["amount"] == "12.00"


def test_detail_by_id(api, shop):
    response = api.get_json(PRODUCT.format(shop.bravo.public_id))

    assert response.status_code == 200
    assert response.json()["slug"] == "bravo-tee"
    assert [c["name"] for c in response.json()["breadcrumbs"]] == ["Clothing", "Tops"]


@pytest.mark.parametrize("name", ["draft-tee", "archived-tee", "future-tee", "no-such-tee"])
def test_hidden_products_are_not_found(api, shop, name):
    response = api.get_json(PRODUCT.format(name))

    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"


def test_hidden_products_are_not_found_by_id_either(api, shop):
    for product in shop.hidden[:3]:
        response = api.get_json(PRODUCT.format(product.public_id))
        assert response.json()["code"] == "product_not_found"


def test_a_product_appears_when_its_publish_date_comes(api, shop):
    Product.objects.filter(slug="future-tee").update(
        published_at=timezone.now() - timedelta(seconds=1)
    )

    assert api.get_json(PRODUCT.format("future-tee")).status_code == 200


@pytest.mark.parametrize("count", [2, 20])
def test_detail_query_count_does_not_grow_with_variants(
    api, tshirt_type, django_assert_max_num_queries, count
):
    deep = make_category("C", parent=make_category("B", parent=make_category("A")))
    product = make_product(
        "Big tee",
        product_type=tshirt_type,
        category=deep,
        attributes={"material": "wool", "care": "Wash cold"},
        variants=[
            tee(["s", "m", "l"][i % 3], ["red", "blue"][i % 2], 10 + i) for i in range(count)
        ],
    )
    variant_ids = list(product.variants.values_list("pk", flat=True))
    for i in range(count):
        services.add_media(
            actor=SYSTEM,
            product=product,
            external_url=f"https://img.test/{i}.png",
            variant_ids=variant_ids[i : i + 2],
        )

    with django_assert_max_num_queries(8):
        response = api.get_json(PRODUCT.format("big-tee"))

    assert response.status_code == 200
    assert len(response.json()["variants"]) == count
    assert all(len(v["media_ids"]) >= 1 for v in response.json()["variants"])


def test_category_tree_counts_visible_products_with_subcategories(api, shop):
    response = api.get_json("/api/store/categories")

    assert response.status_code == 200

    def shape(nodes):
        return [(n["slug_path"], n["product_count"], shape(n["children"])) for n in nodes]

    assert shape(response.json()) == [
        (
            "clothing",
            3,
            [("clothing/tops", 2, [("clothing/tops/shirts", 1, [])]), ("clothing/bottoms", 1, [])],
        ),
        ("shoes", 1, []),
    ]


def test_category_tree_counts_agree_with_the_product_list(api, shop):
    tree = api.get_json("/api/store/categories").json()
    nodes = [tree[0], *tree[0]["children"], tree[1]]

    for node in nodes:
        listed = api.get_json("/api/store/products", {"category": node["slug_path"]}).json()
        assert node["product_count"] == listed["facets"]["total"], node["slug_path"]


@pytest.mark.parametrize("count", [3, 30])
def test_category_tree_query_count_is_constant(api, db, django_assert_max_num_queries, count):
    root = make_category("Root")
    for i in range(count):
        make_category(f"Child {i}", parent=root)

    with django_assert_max_num_queries(2):
        response = api.get_json("/api/store/categories")

    assert len(response.json()[0]["children"]) == count


def test_collections_list_only_published_ones(api, shop):
    response = api.get_json("/api/store/collections")

    assert response.status_code == 200
    assert [c["slug"] for c in response.json()] == ["summer"]


def test_collection_detail(api, shop):
    assert api.get_json("/api/store/collections/summer").json()["name"] == "Summer"

    for slug in ["secret", "nope"]:
        response = api.get_json(f"/api/store/collections/{slug}")
        assert response.status_code == 404
        assert response.json()["code"] == "collection_not_found"
