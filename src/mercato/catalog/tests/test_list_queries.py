"""Every catalog list endpoint runs the same number of queries for 3 rows and for 30."""

import pytest

from mercato.catalog.services import VariantChanges
from mercato.catalog.tests.factories import (
    make_attribute,
    make_category,
    make_collection,
    make_product,
    make_product_type,
)

ADMIN_LISTS = [
    "/api/admin/catalog/attributes",
    "/api/admin/catalog/product-types",
    "/api/admin/catalog/categories",
    "/api/admin/catalog/collections",
]
STORE_LISTS = ["/api/store/collections", "/api/store/categories"]


def fill(count: int) -> None:
    kind = make_product_type("Kind")
    products = [
        make_product(f"P{i}", product_type=kind, variants=[VariantChanges(sku=f"S{i}", price="1")])
        for i in range(3)
    ]
    parent = None
    for i in range(count):
        make_attribute(f"Attr {i}", values=["A", "B"])
        make_product_type(f"Type {i}", product_attributes=[f"attr-{i}"])
        parent = make_category(f"Cat {i}", parent=parent if i % 2 else None)
        make_collection(f"Col {i}", products)


def nodes(items: list[dict]) -> int:
    """Rows in a list, counting the children of a tree too."""
    return sum(1 + nodes(item.get("children", [])) for item in items)


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_counts_do_not_grow_with_rows(
    api, owner_token, django_assert_max_num_queries, count, subtests
):
    fill(count)
    for path, token, most in [(p, owner_token, 6) for p in ADMIN_LISTS] + [
        (p, None, 3) for p in STORE_LISTS
    ]:
        with subtests.test(path=path), django_assert_max_num_queries(most):
            response = api.get_json(path, token=token)
            assert response.status_code == 200
            assert nodes(response.json()) >= count
