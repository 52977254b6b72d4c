import base64
import json

import pytest

from mercato.audit.services import SYSTEM
from mercato.catalog import services
from mercato.catalog.models import Product
from mercato.catalog.tests.factories import (
    make_category,
    make_collection,
    make_product,
    make_product_type,
    tee,
)

PRODUCTS = "/api/store/products"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def facet_counts(body: dict) -> dict[str, dict[str, int]]:
    return {
        facet["attribute"]: {v["value"]: v["count"] for v in facet["values"]}
        for facet in body["facets"]["attributes"]
    }


def test_only_visible_products_with_variants_are_listed(api, shop):
    response = api.get_json(PRODUCTS, {"sort": "name"})

    assert names(response) == ["Alpha tee", "Bravo tee", "Charlie tee", "Delta tee"]
    item = response.json()["items"][0]
    assert item["price"] == {
        "min": {"amount": "10.00", "currency": "EUR"},
        "max": {"amount": "12.00", "currency": "EUR"},
    }
    assert item["category"]["slug_path"] == "clothing/tops/shirts"


FILTER_CASES = [
    ({"category": "clothing"}, ["Alpha tee", "Bravo tee", "Charlie tee"]),
    ({"category": "clothing/tops"}, ["Alpha tee", "Bravo tee"]),
    ({"category": "clothing/tops/shirts"}, ["Alpha tee"]),
    ({"category": "shoes"}, ["Delta tee"]),
    ({"category": "no/such"}, []),
    ({"collection": "summer"}, ["Bravo tee", "Charlie tee"]),
    ({"collection": "secret"}, []),
    ({"attr": "size:s,m"}, ["Alpha tee", "Bravo tee", "Delta tee"]),
    ({"attr": ["size:l", "colour:red"]}, ["Charlie tee", "Delta tee"]),
    ({"attr": ["size:s", "material:wool"]}, ["Delta tee"]),
    ({"attr": ["size:s", "size:l"]}, ["Alpha tee", "Bravo tee", "Charlie tee", "Delta tee"]),
    ({"attr": "size:xl"}, []),
    ({"attr": "fabric:silk"}, []),
    ({"price_min": "15", "price_max": "35"}, ["Bravo tee", "Charlie tee"]),
    ({"price_min": "12"}, ["Alpha tee", "Bravo tee", "Charlie tee", "Delta tee"]),
    ({"price_max": "11.99"}, ["Alpha tee"]),
    ({"in_stock": "true"}, ["Alpha tee", "Bravo tee", "Charlie tee"]),
    ({"in_stock": "false"}, ["Delta tee"]),
    ({"category": "clothing", "attr": "colour:red", "price_max": "20"}, ["Alpha tee"]),
    ({"q": "tee", "category": "clothing/tops"}, ["Alpha tee", "Bravo tee"]),
    ({"q": "bravo", "attr": "colour:blue"}, ["Bravo tee"]),
    ({"q": "bravo", "attr": "colour:red"}, []),
    ({"q": "draft"}, []),
]


def test_filters(api, shop, subtests):
    for params, expected in FILTER_CASES:
        with subtests.test(**params):
            response = api.get_json(PRODUCTS, {**params, "sort": "name"})

            assert names(response) == expected
            assert response.json()["facets"]["total"] == len(expected)


def test_sorts(api, shop, subtests):
    abcd = ["Alpha tee", "Bravo tee", "Charlie tee", "Delta tee"]
    for sort, expected in [
        ("price", abcd),
        ("-price", abcd[::-1]),
        ("name", abcd),
        ("-name", abcd[::-1]),
        ("newest", abcd[::-1]),
        ("oldest", abcd),
        ("", abcd[::-1]),
    ]:
        with subtests.test(sort=sort):
            assert names(api.get_json(PRODUCTS, {"sort": sort})) == expected


def test_relevance_sort_puts_the_name_match_first(api, shop):
    services.update_product(
        actor=SYSTEM,
        product=shop.alpha,
        changes=services.ProductChanges(description="Softer than a bravo tee."),
    )

    response = api.get_json(PRODUCTS, {"q": "bravo", "sort": "relevance"})

    assert names(response) == ["Bravo tee", "Alpha tee"]


def test_facet_counts_without_filters(api, shop):
    body = api.get_json(PRODUCTS).json()

    assert facet_counts(body) == {
        "size": {"s": 2, "m": 2, "l": 3},
        "colour": {"red": 3, "blue": 2},
        "material": {"cotton": 2, "wool": 2},
    }
    assert body["facets"]["price"] == {"min": "10.00", "max": "40.00"}
    assert body["facets"]["total"] == 4


def test_facet_counts_leave_an_attributes_own_selection_out(api, shop):
    body = api.get_json(PRODUCTS, {"attr": ["size:l", "colour:red"]}).json()

    assert facet_counts(body) == {
        "size": {"s": 2, "m": 1, "l": 2},  # among the red ones
        "colour": {"red": 2, "blue": 2},  # among the large ones
        "material": {"cotton": 1, "wool": 1},  # among the results
    }
    selected = {
        (facet["attribute"], value["value"])
        for facet in body["facets"]["attributes"]
        for value in facet["values"]
        if value["selected"]
    }
    assert selected == {("size", "l"), ("colour", "red")}
    assert body["facets"]["total"] == 2


def test_facet_counts_follow_the_other_filters(api, shop):
    body = api.get_json(PRODUCTS, {"category": "clothing", "attr": "material:cotton"}).json()

    assert facet_counts(body) == {
        "size": {"s": 1, "m": 1, "l": 1},
        "colour": {"red": 2},
        "material": {"cotton": 2, "wool": 1},
    }
    assert body["facets"]["price"] == {"min": "10.00", "max": "30.00"}


def test_facets_can_be_left_out(api, shop):
    body = api.get_json(PRODUCTS, {"facets": "false"}).json()

    assert body["facets"] is None
    assert len(body["items"]) == 4


@pytest.fixture
def ties(db):
    """Seven products with equal prices and equal names, created in this order."""
    product_type = make_product_type()
    rows = [("Same", "5"), ("Same", "5"), ("Other", "5"), ("Same", "7"), ("Zed", "7")]
    rows += [("Other", "9"), ("Same", "9")]
    return [
        make_product(name, slug=f"p{i}", product_type=product_type, prices=[price, "99"])
        for i, (name, price) in enumerate(rows)
    ]


def walk(api, params: dict, limit: int) -> list[str]:
    seen, cursor, pages = [], None, 0
    while True:
        response = api.get_json(
            PRODUCTS, {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["items"]) <= limit
        seen += [item["id"] for item in body["items"]]
        cursor, pages = body["next"], pages + 1
        if cursor is None or pages > 20:
            return seen


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("price", lambda p: (p.price_min, p.pk)),
        ("-price", lambda p: (-p.price_min, -p.pk)),
        ("name", lambda p: (p.name, p.pk)),
        ("-name", lambda p: (tuple(-ord(c) for c in p.name), -p.pk)),
        ("newest", lambda p: -p.pk),
        ("oldest", lambda p: p.pk),
    ],
)
def test_cursor_walks_every_product_once_in_order(api, ties, subtests, sort, key):
    for product in ties:
        product.refresh_from_db()
    expected = [str(p.public_id) for p in sorted(ties, key=key)]

    for limit in (1, 2, 3, 7):
        with subtests.test(limit=limit):
            assert walk(api, {"sort": sort}, limit) == expected


def test_cursor_walks_search_results_once(api, ties):
    expected = sorted(str(p.public_id) for p in ties if p.name == "Same")

    for limit in (1, 3):
        seen = walk(api, {"q": "same", "sort": "relevance"}, limit)
        assert sorted(seen) == expected
        assert len(seen) == len(expected)


BAD_PARAMETERS = [
    ({"sort": "cheapest"}, "invalid_sort"),
    ({"cursor": "not-a-cursor!"}, "invalid_cursor"),
    ({"cursor": cursor_of({"a": 1})}, "invalid_cursor"),
    ({"cursor": cursor_of([1, 2, 3])}, "invalid_cursor"),
    ({"sort": "price", "cursor": cursor_of(["abc", 1])}, "invalid_cursor"),
    ({"sort": "newest", "cursor": cursor_of(["yesterday", 1])}, "invalid_cursor"),
    ({"sort": "name", "cursor": cursor_of(["a", "b"])}, "invalid_cursor"),
    ({"q": "tee", "cursor": cursor_of(["x"])}, "invalid_cursor"),
    ({"q": "tee", "cursor": cursor_of([-5])}, "invalid_cursor"),
    ({"attr": "size"}, "invalid_filter"),
    ({"attr": "size:"}, "invalid_filter"),
    ({"attr": ":m"}, "invalid_filter"),
    ({"price_min": "-1"}, "validation_error"),
    ({"limit": "0"}, "validation_error"),
    ({"limit": "101"}, "validation_error"),
]


def test_bad_parameters_are_refused(api, shop, subtests):
    for params, code in BAD_PARAMETERS:
        with subtests.test(**params):
            response = api.get_json(PRODUCTS, params)

            assert response.status_code == 422
            assert response["Content-Type"] == "application/problem+json"
            assert response.json()["code"] == code


QUERY_CASES = [  # (params, most queries): a bound that holds for 3 and for 30 rows
    ({"facets": "false"}, 3),
    ({}, 7),
    ({"collection": "summer", "in_stock": "true", "sort": "price"}, 7),
    ({"q": "tee", "attr": "size:m"}, 10),
    ({"category": "clothing", "attr": ["size:m,l", "colour:red"], "price_min": "1"}, 15),
]


def test_query_count_does_not_grow_with_the_page(
    api, tshirt_type, django_assert_max_num_queries, subtests
):
    tops = make_category("Tops", parent=make_category("Clothing"))
    products = []
    for i in range(30):
        product = make_product(
            f"Tee {i}",
            product_type=tshirt_type,
            category=tops,
            attributes={"material": "cotton"},
            variants=[tee("m", "red", "10"), tee("l", "red", "11")],
        )
        services.add_media(actor=SYSTEM, product=product, external_url=f"https://img.test/{i}.png")
        products.append(product)
    make_collection("Summer", products)

    for params, most in QUERY_CASES:
        for limit in (3, 30):
            with subtests.test(limit=limit, **params):
                with django_assert_max_num_queries(most):
                    response = api.get_json(PRODUCTS, {**params, "limit": limit})

                items = response.json()["items"]
                assert len(items) == limit
                assert all(item["thumbnail"]["url"].startswith("https://") for item in items)


def test_a_collection_lists_in_its_hand_picked_order_page_by_page(api, shop):
    names = ["Charlie tee", "Alpha tee", "Bravo tee"]
    make_collection("Picks", [Product.objects.get(name=name) for name in names])

    first = api.get_json(PRODUCTS, {"collection": "picks", "limit": 2}).json()
    second = api.get_json(
        PRODUCTS, {"collection": "picks", "limit": 2, "cursor": first["next"]}
    ).json()
    by_price = api.get_json(PRODUCTS, {"collection": "picks", "sort": "price"}).json()
    without = api.get_json(PRODUCTS, {"sort": "collection"})

    assert [i["name"] for i in first["items"] + second["items"]] == names
    assert second["next"] is None
    assert [i["name"] for i in by_price["items"]] == ["Alpha tee", "Bravo tee", "Charlie tee"]
    assert without.status_code == 422
    assert without.json()["code"] == "invalid_sort"
