import uuid

import pytest

from mercato.audit.models import AuditLogEntry
from mercato.catalog.models import Attribute, Category, Collection, Product, ProductType
from mercato.catalog.tests.factories import (
    catalog_state,
    make_attribute,
    make_category,
    make_collection,
    make_product,
    make_product_type,
)

ADMIN = "/api/admin/catalog"


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


# --- attributes -----------------------------------------------------------------------------


def test_attribute_crud(api, owner, owner_token):
    created = api.post_json(
        f"{ADMIN}/attributes",
        {"name": "Shoe size", "input_type": "single_choice", "values": ["38", "39"]},
        token=owner_token,
    )
    assert created.status_code == 201
    assert created.json()["slug"] == "shoe-size"
    assert [v["slug"] for v in created.json()["values"]] == ["38", "39"]
    url = f"{ADMIN}/attributes/{created.json()['id']}"

    renamed = api.patch_json(url, {"name": "EU size", "slug": "eu-size"}, token=owner_token)
    assert renamed.status_code == 200
    assert Attribute.objects.get(slug="eu-size").name == "EU size"

    added = api.post_json(f"{url}/values", {"name": "40"}, token=owner_token)
    assert added.status_code == 201
    assert [v["slug"] for v in added.json()["values"]] == ["38", "39", "40"]

    assert api.delete_json(f"{url}/values/39", token=owner_token).status_code == 204
    listed = api.get_json(f"{ADMIN}/attributes", token=owner_token).json()
    assert [v["slug"] for v in listed[0]["values"]] == ["38", "40"]

    assert api.delete_json(url, token=owner_token).status_code == 204
    assert not Attribute.objects.exists()
    assert list(
        AuditLogEntry.objects.filter(object_type="catalog.attribute")
        .order_by("id")
        .values_list("action", "actor_user_id", "source")
    ) == [
        ("create", owner.pk, "admin_api"),
        ("update", owner.pk, "admin_api"),
        ("delete", owner.pk, "admin_api"),
    ]


def test_attribute_bad_input_changes_nothing(api, owner_token, tshirt_type):
    size = Attribute.objects.get(slug="size")
    care = Attribute.objects.get(slug="care")
    before = catalog_state()
    cases = [
        (
            api.post_json(
                f"{ADMIN}/attributes", {"name": "Size", "input_type": "text"}, token=owner_token
            ),
            409,
            "slug_taken",
        ),
        (
            api.post_json(
                f"{ADMIN}/attributes",
                {"name": "Fit", "input_type": "single_choice", "values": ["Slim", "SLIM"]},
                token=owner_token,
            ),
            409,
            "slug_taken",
        ),
        (
            api.post_json(
                f"{ADMIN}/attributes", {"name": "Fit", "input_type": "colour"}, token=owner_token
            ),
            422,
            "validation_error",
        ),
        (
            api.patch_json(
                f"{ADMIN}/attributes/{size.public_id}", {"slug": "colour"}, token=owner_token
            ),
            409,
            "slug_taken",
        ),
        (
            api.post_json(
                f"{ADMIN}/attributes/{size.public_id}/values", {"name": "M"}, token=owner_token
            ),
            409,
            "slug_taken",
        ),
        (
            api.post_json(
                f"{ADMIN}/attributes/{care.public_id}/values", {"name": "Hot"}, token=owner_token
            ),
            422,
            "not_a_choice_attribute",
        ),
        (
            api.delete_json(f"{ADMIN}/attributes/{size.public_id}", token=owner_token),
            409,
            "in_use",
        ),
        (
            api.delete_json(f"{ADMIN}/attributes/{size.public_id}/values/xl", token=owner_token),
            404,
            "attribute_value_not_found",
        ),
        (
            api.patch_json(f"{ADMIN}/attributes/{uuid.uuid4()}", {"name": "X"}, token=owner_token),
            404,
            "attribute_not_found",
        ),
    ]

    for response, status, code in cases:
        refused(response, status, code)
    assert catalog_state() == before


def test_a_value_in_use_cannot_be_deleted(api, owner_token, shop):
    size = Attribute.objects.get(slug="size")
    before = catalog_state()

    response = api.delete_json(f"{ADMIN}/attributes/{size.public_id}/values/m", token=owner_token)

    refused(response, 409, "in_use")
    assert catalog_state() == before


# --- product types --------------------------------------------------------------------------


def test_product_type_crud(api, owner_token, db):
    make_attribute("Size", values=["S"])
    make_attribute("Brand", input_type="text")

    created = api.post_json(
        f"{ADMIN}/product-types",
        {"name": "Shoe", "product_attributes": ["brand"], "variant_attributes": ["size"]},
        token=owner_token,
    )
    assert created.status_code == 201
    assert created.json()["product_attributes"] == ["brand"]
    assert created.json()["variant_attributes"] == ["size"]
    url = f"{ADMIN}/product-types/{created.json()['id']}"

    changed = api.patch_json(
        url, {"name": "Shoes", "product_attributes": [], "has_variants": False}, token=owner_token
    )
    assert changed.status_code == 200
    assert changed.json()["product_attributes"] == []
    assert changed.json()["variant_attributes"] == ["size"]
    assert api.get_json(url, token=owner_token).json()["name"] == "Shoes"
    assert [
        t["slug"] for t in api.get_json(f"{ADMIN}/product-types", token=owner_token).json()
    ] == ["shoe"]

    assert api.delete_json(url, token=owner_token).status_code == 204
    assert not ProductType.objects.exists()


def test_product_type_bad_input_changes_nothing(api, owner_token, shop):
    before = catalog_state()
    url = f"{ADMIN}/product-types/{shop.type.public_id}"
    cases = [
        (
            api.post_json(
                f"{ADMIN}/product-types",
                {"name": "Hat", "product_attributes": ["size", "weight"]},
                token=owner_token,
            ),
            422,
            "unknown_attribute",
        ),
        (
            api.post_json(
                f"{ADMIN}/product-types",
                {"name": "Hat", "product_attributes": ["size"], "variant_attributes": ["size"]},
                token=owner_token,
            ),
            422,
            "invalid",
        ),
        (
            api.post_json(f"{ADMIN}/product-types", {"name": "T-shirt"}, token=owner_token),
            409,
            "slug_taken",
        ),
        (
            api.patch_json(url, {"variant_attributes": ["nope"]}, token=owner_token),
            422,
            "unknown_attribute",
        ),
        (api.delete_json(url, token=owner_token), 409, "in_use"),
        (
            api.get_json(f"{ADMIN}/product-types/{uuid.uuid4()}", token=owner_token),
            404,
            "product_type_not_found",
        ),
    ]

    for response, status, code in cases:
        refused(response, status, code)
    assert catalog_state() == before


# --- categories -----------------------------------------------------------------------------


def paths() -> list[str]:
    return [c.slug_path for c in Category.objects.get_tree()]


def category_id(slug_path: str) -> uuid.UUID:
    return Category.objects.get(slug_path=slug_path).public_id


@pytest.fixture
def tree(db):
    clothing = make_category("Clothing")
    tops = make_category("Tops", parent=clothing)
    make_category("Shirts", parent=tops)
    make_category("Bottoms", parent=clothing)
    make_category("Shoes")


def test_create_categories_under_a_parent(api, owner_token, db):
    root = api.post_json(f"{ADMIN}/categories", {"name": "Clothing"}, token=owner_token)
    child = api.post_json(
        f"{ADMIN}/categories", {"name": "Tops", "parent": "clothing"}, token=owner_token
    )
    grandchild = api.post_json(
        f"{ADMIN}/categories",
        {"name": "T-shirts & Tanks", "parent": "clothing/tops"},
        token=owner_token,
    )

    assert [r.status_code for r in (root, child, grandchild)] == [201, 201, 201]
    assert grandchild.json()["slug_path"] == "clothing/tops/t-shirts-tanks"
    assert grandchild.json()["depth"] == 3
    listed = api.get_json(f"{ADMIN}/categories", token=owner_token).json()
    assert [c["slug_path"] for c in listed] == [
        "clothing",
        "clothing/tops",
        "clothing/tops/t-shirts-tanks",
    ]


def test_a_slug_is_unique_among_siblings_only(api, owner_token, tree):
    same_name_elsewhere = api.post_json(
        f"{ADMIN}/categories", {"name": "Tops", "parent": "shoes"}, token=owner_token
    )
    assert same_name_elsewhere.status_code == 201
    before = catalog_state()

    duplicate = api.post_json(
        f"{ADMIN}/categories", {"name": "Tops", "parent": "clothing"}, token=owner_token
    )

    refused(duplicate, 409, "slug_taken")
    assert catalog_state() == before


def test_renaming_a_slug_updates_the_whole_subtree(api, owner_token, tree):
    response = api.patch_json(
        f"{ADMIN}/categories/{category_id('clothing')}",
        {"slug": "apparel", "name": "Apparel"},
        token=owner_token,
    )

    assert response.status_code == 200
    assert response.json()["slug_path"] == "apparel"
    assert paths() == ["apparel", "apparel/tops", "apparel/tops/shirts", "apparel/bottoms", "shoes"]


def test_moving_a_category_moves_its_subtree_and_products(api, owner_token, shop):
    response = api.post_json(
        f"{ADMIN}/categories/{category_id('clothing/tops')}/move",
        {"target": "shoes"},
        token=owner_token,
    )

    assert response.status_code == 200
    assert response.json()["slug_path"] == "shoes/tops"
    assert paths() == ["clothing", "clothing/bottoms", "shoes", "shoes/tops", "shoes/tops/shirts"]
    listed = api.get_json("/api/store/products", {"category": "shoes", "sort": "name"}).json()
    assert [p["name"] for p in listed["items"]] == ["Alpha tee", "Bravo tee", "Delta tee"]


def test_moving_a_category_to_the_top_level(api, owner_token, tree):
    response = api.post_json(
        f"{ADMIN}/categories/{category_id('clothing/tops')}/move",
        {"target": None},
        token=owner_token,
    )

    assert response.status_code == 200
    assert paths() == ["clothing", "clothing/bottoms", "shoes", "tops", "tops/shirts"]


def test_moving_beside_a_category(api, owner_token, tree):
    response = api.post_json(
        f"{ADMIN}/categories/{category_id('shoes')}/move",
        {"target": "clothing", "position": "left"},
        token=owner_token,
    )

    assert response.status_code == 200
    assert paths() == [
        "shoes",
        "clothing",
        "clothing/tops",
        "clothing/tops/shirts",
        "clothing/bottoms",
    ]


@pytest.mark.parametrize(
    ("moved", "target", "status", "code"),
    [
        ("clothing", "clothing/tops/shirts", 422, "invalid_category_move"),
        ("clothing", "clothing/tops", 422, "invalid_category_move"),
        ("clothing/tops", "clothing/tops", 422, "invalid_category_move"),
        ("clothing/tops", "no/such", 422, "unknown_category"),
        ("clothing/tops/shirts", None, 409, "slug_taken"),  # a top-level "shirts" exists
        ("clothing/tops/shirts", "shoes", 409, "slug_taken"),  # so does "shoes/shirts"
    ],
)
def test_bad_moves_change_nothing(api, owner_token, tree, moved, target, status, code):
    make_category("Shirts", parent=make_category("Shirts"))
    make_category("Shirts", parent=Category.objects.get(slug_path="shoes"))
    before = catalog_state()

    response = api.post_json(
        f"{ADMIN}/categories/{category_id(moved)}/move", {"target": target}, token=owner_token
    )

    refused(response, status, code)
    assert catalog_state() == before


def test_renaming_to_a_siblings_slug_changes_nothing(api, owner_token, tree):
    before = catalog_state()

    response = api.patch_json(
        f"{ADMIN}/categories/{category_id('clothing/tops')}", {"slug": "bottoms"}, token=owner_token
    )

    refused(response, 409, "slug_taken")
    assert catalog_state() == before


def test_delete_category(api, owner_token, shop):
    before = catalog_state()
    refused(
        api.delete_json(f"{ADMIN}/categories/{category_id('clothing/tops')}", token=owner_token),
        409,
        "category_has_children",
    )
    assert catalog_state() == before

    response = api.delete_json(
        f"{ADMIN}/categories/{category_id('clothing/tops/shirts')}", token=owner_token
    )

    assert response.status_code == 204
    assert "clothing/tops/shirts" not in paths()
    shop.alpha.refresh_from_db()
    assert shop.alpha.category is None
    assert Category.objects.get(slug_path="clothing/tops").numchild == 0


def test_unknown_category_ids(api, owner_token, tree):
    missing = uuid.uuid4()
    for response in [
        api.patch_json(f"{ADMIN}/categories/{missing}", {"name": "X"}, token=owner_token),
        api.post_json(f"{ADMIN}/categories/{missing}/move", {"target": None}, token=owner_token),
        api.delete_json(f"{ADMIN}/categories/{missing}", token=owner_token),
    ]:
        refused(response, 404, "category_not_found")
    refused(
        api.post_json(f"{ADMIN}/categories", {"name": "X", "parent": "nope"}, token=owner_token),
        422,
        "unknown_category",
    )


# --- collections ----------------------------------------------------------------------------


def test_collection_crud_with_ordered_products(api, owner_token, db):
    products = [make_product(f"P{i}") for i in range(3)]

    created = api.post_json(
        f"{ADMIN}/collections", {"name": "Staff picks", "is_published": True}, token=owner_token
    )
    assert created.status_code == 201
    url = f"{ADMIN}/collections/{created.json()['id']}"
    wanted = [str(products[i].public_id) for i in (2, 0, 1)]

    placed = api.put_json(f"{url}/products", {"products": wanted}, token=owner_token)
    assert placed.status_code == 200
    assert placed.json()["products"] == wanted
    reordered = api.put_json(f"{url}/products", {"products": wanted[::-1]}, token=owner_token)
    assert reordered.json()["products"] == wanted[::-1]

    assert api.get_json("/api/store/collections/staff-picks").status_code == 200
    hidden = api.patch_json(url, {"is_published": False}, token=owner_token)
    assert hidden.status_code == 200
    assert api.get_json("/api/store/collections/staff-picks").status_code == 404

    listed = api.get_json(f"{ADMIN}/collections", token=owner_token).json()
    assert [(c["slug"], c["products"]) for c in listed] == [("staff-picks", wanted[::-1])]

    assert api.delete_json(url, token=owner_token).status_code == 204
    assert not Collection.objects.exists()
    assert Product.objects.count() == 3


def test_collection_bad_input_changes_nothing(api, owner_token, shop):
    before = catalog_state()
    url = f"{ADMIN}/collections/{shop.summer.public_id}"
    cases = [
        (
            api.post_json(f"{ADMIN}/collections", {"name": "Summer"}, token=owner_token),
            409,
            "slug_taken",
        ),
        (api.patch_json(url, {"slug": "secret"}, token=owner_token), 409, "slug_taken"),
        (
            api.put_json(
                f"{url}/products",
                {"products": [str(shop.alpha.public_id), str(uuid.uuid4())]},
                token=owner_token,
            ),
            404,
            "product_not_found",
        ),
        (
            api.put_json(f"{url}/products", {"products": ["not-a-uuid"]}, token=owner_token),
            422,
            "validation_error",
        ),
        (
            api.patch_json(f"{ADMIN}/collections/{uuid.uuid4()}", {"name": "X"}, token=owner_token),
            404,
            "collection_not_found",
        ),
    ]

    for response, status, code in cases:
        refused(response, status, code)
    assert catalog_state() == before


def test_collection_of_a_new_collection_is_empty(api, owner_token, db):
    make_product_type()
    collection = make_collection("Empty")

    listed = api.get_json(f"{ADMIN}/collections", token=owner_token).json()

    assert listed[0]["id"] == str(collection.public_id)
    assert listed[0]["products"] == []
