"""Checkout test data: a small shop (EU VAT rates, a tee on sale and a book at the reduced
rate, stock, shipping to Germany and to Austria/France), and helpers that drive the store API."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps

from mercato.audit.services import SYSTEM
from mercato.catalog.models import ProductVariant
from mercato.catalog.services import VariantChanges
from mercato.catalog.tests.factories import make_product, make_product_type, variant
from mercato.checkout.models import Cart, CartLine
from mercato.core.models import Event
from mercato.inventory.models import Allocation, Reservation, Stock, StockMovement, Warehouse
from mercato.inventory.tests.conftest import make_warehouse, put_stock
from mercato.orders.models import Order, OrderLine, OrderNumber
from mercato.pricing import services as pricing_services
from mercato.pricing.eu_vat import load_eu_vat
from mercato.pricing.models import TaxClass, Voucher, VoucherRedemption
from mercato.shipping.models import ShippingMethod
from mercato.shipping.tests.factories import brackets, make_method, make_zone
from tests.support import ApiClient

CARTS = "/api/store/carts"

CHECKOUT_MODELS = [
    Cart,
    CartLine,
    Order,
    OrderLine,
    OrderNumber,
    Reservation,
    Allocation,
    Stock,
    StockMovement,
    Voucher,
    VoucherRedemption,
    Event,
]


def D(value: str) -> Decimal:
    return Decimal(value)


def checkout_state() -> dict[str, list[tuple]]:
    """Carts, orders, stock, vouchers and the event outbox: equal before and after a refusal."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in CHECKOUT_MODELS
    }


def address(country: str = "DE", **changes: Any) -> dict[str, Any]:
    postal = {"DE": "10115", "AT": "1010", "FR": "75001"}.get(country, "")
    city = {"DE": "Berlin", "AT": "Wien", "FR": "Paris"}.get(country, "Town")
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "line1": "Hauptstr. 1",
        "city": city,
        "postal_code": postal,
        "country": country,
        **changes,
    }


def make_voucher(code: str, **data: Any) -> Voucher:
    return pricing_services.create_voucher(
        actor=SYSTEM,
        details=pricing_services.VoucherDetails(
            **{"code": code, "kind": "fixed", "value": "10.00", **data}
        ),
    )


def make_stocked_variants(count: int, *, price: str = "10.00", stock: int = 50) -> list:
    """`count` published variants of one product, each with `stock` units in the first
    warehouse."""
    product = make_product(
        product_type=make_product_type(),
        variants=[variant(price, weight_grams=100) for _ in range(count)],
    )
    warehouse = Warehouse.objects.order_by("pk").first()
    variants = list(product.variants.order_by("pk"))
    for v in variants:
        put_stock(v, warehouse, stock)
    return variants


@dataclass
class Shop:
    tee: ProductVariant
    novel: ProductVariant
    warehouse: Warehouse
    standard_de: ShippingMethod
    standard_eu: ShippingMethod


@pytest.fixture
def shop(db) -> Shop:
    """Prices include tax, origin DE. Tee 20.00 (standard rate, 200 g, 25 % off), novel 15.00
    (a book: reduced rate, 400 g); 10 of each in stock. Shipping: 4.90 flat to DE; to AT and
    FR by weight, 6.00 up to 1 kg."""
    load_eu_vat(apps)  # a transactional test may have flushed what the migration loaded
    books = make_product_type("Books")
    pricing_services.set_product_type_tax_class(
        actor=SYSTEM, product_type=books, tax_class=TaxClass.objects.get(slug="reduced")
    )
    tee_product = make_product(
        "Tee",
        product_type=make_product_type("Shirts"),
        variants=[VariantChanges(sku="TEE-M", price="20.00", name="M", weight_grams=200)],
    )
    novel_product = make_product(
        "Novel",
        product_type=books,
        variants=[VariantChanges(sku="NOVEL", price="15.00", weight_grams=400)],
    )
    pricing_services.create_promotion(
        actor=SYSTEM,
        details=pricing_services.PromotionDetails(
            name="Tee sale", kind="percentage", value="25", product_ids=[tee_product.pk]
        ),
    )
    tee, novel = tee_product.variants.get(), novel_product.variants.get()
    warehouse = make_warehouse("main", priority=1)
    put_stock(tee, warehouse, 10)
    put_stock(novel, warehouse, 10)
    standard_de = make_method(make_zone("Germany", ["DE"]), "Standard DE", price="4.90")
    standard_eu = make_method(
        make_zone("EU", ["AT", "FR"]),
        "Standard EU",
        kind="weight",
        rates=brackets((0, 1000, "6.00"), (1000, None, "9.00")),
    )
    return Shop(tee, novel, warehouse, standard_de, standard_eu)


# --- the store API ---------------------------------------------------------------------------


def new_cart(api: ApiClient, token: str | None = None) -> str:
    response = api.post_json(CARTS, token=token)
    assert response.status_code == 201, response.content
    return response.json()["token"]


def add(api: ApiClient, cart: str, v: ProductVariant, quantity: Any = 1, token=None):
    return api.post_json(
        f"{CARTS}/{cart}/lines", {"variant_id": str(v.public_id), "quantity": quantity}, token=token
    )


def patch(api: ApiClient, cart: str, changes: dict[str, Any], token=None):
    return api.patch_json(f"{CARTS}/{cart}", changes, token=token)


def complete(api: ApiClient, cart: str, token=None, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else None
    return api.post_json(f"{CARTS}/{cart}/complete", token=token, headers=headers)


def filled_cart(
    api: ApiClient,
    shop: Shop,
    *,
    token: str | None = None,
    country: str = "DE",
    lines: tuple = ((0, 1),),
    **changes: Any,
) -> str:
    """A cart ready to complete: `lines` are (0 tee / 1 novel, quantity); a DE or EU method."""
    cart = new_cart(api, token)
    for which, quantity in lines:
        response = add(api, cart, (shop.tee, shop.novel)[which], quantity, token=token)
        assert response.status_code == 200, response.content
    method = shop.standard_de if country == "DE" else shop.standard_eu
    details = {
        "shipping_address": address(country),
        "shipping_method_id": str(method.public_id),
        **changes,
    }
    if token is None:
        details.setdefault("email", "guest@example.com")
    response = patch(api, cart, details, token=token)
    assert response.status_code == 200, response.content
    return cart
