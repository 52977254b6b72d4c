from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from mercato.catalog import services
from mercato.catalog.models import Product, ProductVariant
from mercato.catalog.signals import products_refreshed
from mercato.catalog.tests.factories import (
    make_attribute,
    make_category,
    make_collection,
    make_product,
    make_product_type,
    tee,
)
from mercato.inventory import receivers


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _every_product_with_a_variant_in_stock(sender, *, product_ids, **kwargs):
    with_variants = set(
        ProductVariant.objects.filter(product_id__in=product_ids).values_list(
            "product_id", flat=True
        )
    )
    services.set_in_stock({pk: pk in with_variants for pk in product_ids})


@pytest.fixture(autouse=True)
def no_inventory():
    """Catalog tests run as a shop without inventory: a product with a variant is in stock
    (the inventory tests cover the real receiver)."""
    uid = "mercato.catalog.tests.every_product_in_stock"
    products_refreshed.disconnect(dispatch_uid=receivers.DISPATCH_UID)
    products_refreshed.connect(_every_product_with_a_variant_in_stock, dispatch_uid=uid)
    yield
    products_refreshed.disconnect(dispatch_uid=uid)
    receivers.connect()


@pytest.fixture
def tshirt_type(db):
    make_attribute("Size", values=["S", "M", "L"])
    make_attribute("Colour", values=["Red", "Blue"])
    make_attribute("Material", values=["Cotton", "Wool"])
    make_attribute("Care", input_type="text", is_filterable=False)
    return make_product_type(
        "T-shirt", product_attributes=["material", "care"], variant_attributes=["size", "colour"]
    )


@pytest.fixture
def shop(tshirt_type):
    """Four visible T-shirts (hand-checked facets in the tests) and four hidden ones.

    alpha   clothing/tops/shirts  cotton  S Red 10, M Red 12
    bravo   clothing/tops         wool    M Blue 20, L Blue 22
    charlie clothing/bottoms      cotton  L Red 30
    delta   shoes                 wool    S Blue 40, L Red 40   (out of stock)
    """
    clothing = make_category("Clothing")
    tops = make_category("Tops", parent=clothing)
    shirts = make_category("Shirts", parent=tops)
    bottoms = make_category("Bottoms", parent=clothing)
    shoes = make_category("Shoes")

    def product(name, category, material, variants, **data):
        return make_product(
            name,
            product_type=tshirt_type,
            category=category,
            attributes={"material": material},
            variants=variants,
            **data,
        )

    alpha = product("Alpha tee", shirts, "cotton", [tee("s", "red", "10"), tee("m", "red", "12")])
    bravo = product("Bravo tee", tops, "wool", [tee("m", "blue", "20"), tee("l", "blue", "22")])
    charlie = product("Charlie tee", bottoms, "cotton", [tee("l", "red", "30")])
    delta = product("Delta tee", shoes, "wool", [tee("s", "blue", "40"), tee("l", "red", "40")])
    Product.objects.filter(pk=delta.pk).update(in_stock=False)  # no inventory service yet

    hidden = [
        product("Draft tee", tops, "cotton", [tee("m", "red", "11")], status="draft"),
        product("Archived tee", tops, "cotton", [tee("m", "red", "11")], status="archived"),
        product(
            "Future tee",
            tops,
            "cotton",
            [tee("m", "red", "11")],
            published_at=timezone.now() + timedelta(days=1),
        ),
        product("Empty tee", tops, "cotton", []),
    ]
    summer = make_collection("Summer", [charlie, hidden[0], bravo])
    secret = make_collection("Secret", [alpha], published=False)
    return SimpleNamespace(
        alpha=alpha,
        bravo=bravo,
        charlie=charlie,
        delta=delta,
        hidden=hidden,
        clothing=clothing,
        tops=tops,
        shirts=shirts,
        bottoms=bottoms,
        shoes=shoes,
        summer=summer,
        secret=secret,
        type=tshirt_type,
    )
