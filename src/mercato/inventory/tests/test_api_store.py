import uuid

import pytest

from mercato.audit.services import SYSTEM
from mercato.catalog.models import Product
from mercato.catalog.tests.factories import make_product, make_product_type, variant
from mercato.core.tests.helpers import assert_problem
from mercato.inventory import services
from mercato.inventory.tests.conftest import make_variant, make_variants, put_stock

STORE = "/api/store"


@pytest.fixture
def product(main):
    """in: 3 on hand, 1 reserved; out: nothing left; untracked; backorder: 0 on hand."""
    socks = make_product(
        "Socks",
        product_type=make_product_type(),
        variants=[variant(), variant(), variant(track_inventory=False), variant()],
    )
    in_, out, _, backorder = socks.variants.order_by("pk")
    put_stock(in_, main, 3)
    put_stock(out, main, 0)
    services.set_inventory_rules(variant=backorder, actor=SYSTEM, allow_backorders=True)
    services.reserve_stock(reference="cart-1", lines=[(in_.pk, 1)])
    return Product.objects.get(pk=in_.product_id)


def by_sku(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    return [(row["sku"], row["in_stock"], row["quantity"]) for row in response.json()]


def skus(product) -> list[str]:
    return list(product.variants.order_by("pk").values_list("sku", flat=True))


def test_a_product_shows_which_variants_can_be_bought(api, product):
    in_, out, untracked, backorder = skus(product)

    response = api.get_json(f"{STORE}/products/{product.slug}/availability")

    assert sorted(by_sku(response)) == sorted(
        [(in_, True, None), (out, False, None), (untracked, True, None), (backorder, True, None)]
    )


def test_exact_counts_only_when_the_shop_shows_them(api, product, settings):
    settings.STOCK_SHOW_QUANTITY = True
    in_, out, untracked, backorder = skus(product)

    response = api.get_json(f"{STORE}/products/{product.public_id}/availability")

    assert sorted(by_sku(response)) == sorted(
        [(in_, True, 2), (out, False, 0), (untracked, True, None), (backorder, True, 0)]
    )


def test_an_unpublished_product_has_no_availability(api, main):
    v = make_variant()
    Product.objects.filter(pk=v.product_id).update(status=Product.Status.DRAFT)

    response = api.get_json(f"{STORE}/products/{v.product.slug}/availability")

    assert response.status_code == 404
    assert api.get_json(f"{STORE}/products/no-such-thing/availability").status_code == 404


def test_availability_of_several_variants(api, product, settings):
    settings.STOCK_SHOW_QUANTITY = True
    in_, out, _, _ = product.variants.order_by("pk")
    hidden = make_variant()
    Product.objects.filter(pk=hidden.product_id).update(status=Product.Status.DRAFT)

    response = api.get_json(
        f"{STORE}/availability",
        {"variants": [str(in_.public_id), str(out.public_id), str(hidden.public_id),
                      str(uuid.uuid4())]},
    )  # fmt: skip

    assert sorted(by_sku(response)) == sorted([(in_.sku, True, 2), (out.sku, False, 0)])


@pytest.mark.parametrize(
    "params", [{"variants": "not-a-uuid"}, {}, {"variants": [str(uuid.uuid4())] * 101}]
)
def test_bad_variant_lists_are_refused(api, db, params):
    response = api.get_json(f"{STORE}/availability", params)

    assert_problem(response, 422, "validation_error")


def test_the_availability_query_count_does_not_grow_with_the_variants(
    api, main, django_assert_max_num_queries
):
    variants = make_variants(30)
    for v in variants:
        put_stock(v, main, 2)
    for count in (3, 30):
        ids = [str(v.public_id) for v in variants[:count]]
        with django_assert_max_num_queries(4):
            response = api.get_json(f"{STORE}/availability", {"variants": ids})
        assert len(response.json()) == count
