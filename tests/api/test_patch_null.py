"""`null` for any field of any PATCH operation either clears the field (2xx, and the field is
then empty) or is refused with a 422 validation problem that changed nothing; never a 500.
The OpenAPI document says which: a field that takes null has a `null` type, the others not.

The operations and their fields are discovered from the NinjaAPI; each PATCH path needs a
builder below that makes a real object to change (a new PATCH operation fails until it has
one)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mercato.api import api as ninja_api
from mercato.audit.services import SYSTEM
from mercato.catalog import services as catalog
from mercato.catalog.tests.factories import (
    make_attribute,
    make_category,
    make_collection,
    make_product,
    make_product_type,
    variant,
)
from mercato.customers import services as customers
from mercato.inventory import services as inventory
from mercato.orders.services.fulfilment import ParcelLine, create_fulfilment
from mercato.pricing import services as pricing
from mercato.shipping.tests.factories import make_method, make_zone
from tests.api.operations import database_state, operations
from tests.support.orders import make_order, order_warehouse

pytestmark = pytest.mark.django_db

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "Hauptstr. 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "phone": "+49 30 1234",
    "company": "Analytical",
    "region": "BE",
    "line2": "Hof",
}


@dataclass
class Target:
    """The object a PATCH changes: its URL, who may change it, and where to read a field."""

    url: str
    token: str
    read: Callable[[], dict[str, Any]]  # the resource as the API shows it now
    pick: Callable[[dict[str, Any]], dict[str, Any]] = lambda resource: resource


@dataclass
class World:
    api: Any
    owner_token: str
    customer: Any
    customer_token: str

    def get(self, url: str, token: str) -> Callable[[], dict[str, Any]]:
        def read() -> dict[str, Any]:
            response = self.api.get_json(url, token=token)
            assert response.status_code == 200, response.content
            return response.json()

        return read

    def admin(self, url: str, read_url: str | None = None) -> Target:
        return Target(url, self.owner_token, self.get(read_url or url, self.owner_token))

    def store(self, url: str, read_url: str | None = None) -> Target:
        return Target(url, self.customer_token, self.get(read_url or url, self.customer_token))


def _stocked_variant():
    product = make_product(variants=[variant("10.00", weight_grams=100)])
    v = product.variants.get()
    inventory.adjust_stock(
        variant=v, warehouse=order_warehouse(), quantity=50, reason="count", actor=SYSTEM
    )
    return v


def _german_shipping():
    return make_method(make_zone("Germany", ["DE"]), "Standard DE", price="4.90")


def _cart(w: World, line_path: bool) -> Target:
    v, method = _stocked_variant(), _german_shipping()
    voucher = pricing.create_voucher(
        actor=SYSTEM, details=pricing.VoucherDetails(code="TENOFF", kind="fixed", value="1.00")
    )
    response = w.api.post_json("/api/store/carts", token=w.customer_token)
    assert response.status_code == 201, response.content
    url = f"/api/store/carts/{response.json()['token']}"
    added = w.api.post_json(
        f"{url}/lines", {"variant_id": str(v.public_id), "quantity": 2}, token=w.customer_token
    )
    assert added.status_code == 200, added.content
    details = {
        "email": "ada@example.com",
        "shipping_address": ADDRESS,
        "billing_address": ADDRESS,
        "shipping_method_id": str(method.public_id),
        "voucher_code": voucher.code,
        "vat_number": "DE136695976",
        "note": "Ring twice",
    }
    patched = w.api.patch_json(url, details, token=w.customer_token)
    assert patched.status_code == 200, patched.content
    if line_path:
        line = added.json()["lines"][0]["id"]
        return Target(f"{url}/lines/{line}", w.customer_token, w.get(url, w.customer_token))
    return w.store(url)


def _address(w: World) -> Target:
    address = customers.create_address(user=w.customer, changes=customers.AddressChanges(**ADDRESS))
    return w.store(f"/api/store/me/addresses/{address.public_id}")


def _app(w: World) -> Target:
    response = w.api.post_json(
        "/api/admin/apps", {"name": "ERP", "permissions": []}, token=w.owner_token
    )
    assert response.status_code == 201, response.content
    return w.admin(f"/api/admin/apps/{response.json()['id']}")


def _product(w: World) -> Target:
    product = make_product(
        category=make_category("Shoes"),
        published_at=timezone.now() - timedelta(days=1),
        description="Comfy",
        seo_title="Shoes",
        metadata={"a": 1},
        private_metadata={"b": 2},
    )
    return w.admin(f"/api/admin/catalog/products/{product.public_id}")


def _variant(w: World) -> Target:
    product = make_product(
        variants=[
            variant(
                "10.00", compare_at_price="12.00", cost_price="5.00", weight_grams=300,
                barcode="4006381333931", name="M",
            )
        ]
    )  # fmt: skip
    v = product.variants.get()
    target = w.admin(
        f"/api/admin/catalog/variants/{v.public_id}",
        f"/api/admin/catalog/products/{product.public_id}",
    )
    target.pick = lambda resource: resource["variants"][0]
    return target


def _media(w: World) -> Target:
    product = make_product()
    media = catalog.add_media(
        actor=SYSTEM, product=product, external_url="https://93.184.216.34/a.png", alt="Front"
    )
    return w.admin(
        f"/api/admin/catalog/media/{media.public_id}",
        f"/api/admin/catalog/products/{product.public_id}",
    )


def _tax_class(w: World) -> Target:
    pricing.create_tax_class(actor=SYSTEM, slug="luxury", name="Luxury")
    return w.admin("/api/admin/pricing/tax-classes/luxury", "/api/admin/pricing/tax-classes")


def _tax_rate(w: World) -> Target:
    tax_class = pricing.create_tax_class(actor=SYSTEM, slug="luxury", name="Luxury")
    rate = pricing.create_tax_rate(actor=SYSTEM, tax_class=tax_class, country="DE", rate="0.25")
    return w.admin(f"/api/admin/pricing/tax-rates/{rate.public_id}", "/api/admin/pricing/tax-rates")


def _promotion(w: World) -> Target:
    promotion = pricing.create_promotion(
        actor=SYSTEM,
        details=pricing.PromotionDetails(
            name="Sale", kind="percentage", value="10",
            starts_at=timezone.now() - timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=9),
        ),
    )  # fmt: skip
    return w.admin(f"/api/admin/pricing/promotions/{promotion.public_id}")


def _voucher(w: World) -> Target:
    voucher = pricing.create_voucher(
        actor=SYSTEM,
        details=pricing.VoucherDetails(
            code="SAVE5", name="Five off", kind="fixed", value="5.00",
            min_subtotal="20.00", min_quantity=2, usage_limit=100,
            usage_limit_per_customer=1,
            starts_at=timezone.now() - timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=9),
        ),
    )  # fmt: skip
    return w.admin(f"/api/admin/pricing/vouchers/{voucher.public_id}")


def _method(w: World) -> Target:
    method = make_method(
        make_zone("Germany", ["DE"]), "Standard", price="4.90", free_above="50.00",
        description="Two days", min_weight_grams=0, max_weight_grams=30000,
        min_order_value="1.00", max_order_value="1000.00", min_delivery_days=1,
        max_delivery_days=3,
    )  # fmt: skip
    return w.admin(f"/api/admin/shipping/methods/{method.public_id}")


def _draft(w: World) -> Target:
    v, method = _stocked_variant(), _german_shipping()
    pricing.create_voucher(
        actor=SYSTEM, details=pricing.VoucherDetails(code="TENOFF", kind="fixed", value="1")
    )
    response = w.api.post_json(
        "/api/admin/orders/drafts",
        {
            "customer_id": str(w.customer.public_id),
            "email": "ada@example.com",
            "lines": [{"variant_id": str(v.public_id), "quantity": 1}],
            "shipping_address": ADDRESS,
            "billing_address": ADDRESS,
            "shipping_method_id": str(method.public_id),
            "voucher_code": "TENOFF",
            "note": "Call first",
        },
        token=w.owner_token,
    )
    assert response.status_code == 201, response.content
    order = response.json()["id"]
    return w.admin(f"/api/admin/orders/drafts/{order}", f"/api/admin/orders/{order}")


def _order_line(w: World) -> Target:
    order = make_order().order
    line = order.lines.order_by("pk").first()
    return w.admin(
        f"/api/admin/orders/{order.public_id}/lines/{line.public_id}",
        f"/api/admin/orders/{order.public_id}",
    )


def _fulfilment(w: World) -> Target:
    order = make_order().order
    line = order.lines.order_by("pk").first()
    fulfilment = create_fulfilment(
        order=order, warehouse=order_warehouse(), lines=[ParcelLine(line, 1)], carrier="DHL",
        tracking_number="00340434", tracking_url="https://93.184.216.34/t/00340434", actor=SYSTEM,
    )  # fmt: skip
    return w.admin(
        f"/api/admin/orders/{order.public_id}/fulfilments/{fulfilment.public_id}",
        f"/api/admin/orders/{order.public_id}",
    )


BUILDERS: dict[str, Callable[[World], Target]] = {
    "/api/store/me": lambda w: w.store("/api/store/me"),
    "/api/store/me/addresses/{address_id}": _address,
    "/api/store/carts/{token}": lambda w: _cart(w, line_path=False),
    "/api/store/carts/{token}/lines/{line_id}": lambda w: _cart(w, line_path=True),
    "/api/admin/apps/{app_id}": _app,
    "/api/admin/catalog/attributes/{attribute_id}": lambda w: w.admin(
        f"/api/admin/catalog/attributes/{make_attribute('Colour', unit='cm').public_id}"
    ),
    "/api/admin/catalog/product-types/{type_id}": lambda w: w.admin(
        f"/api/admin/catalog/product-types/{make_product_type('Shirts').public_id}"
    ),
    "/api/admin/catalog/categories/{category_id}": lambda w: w.admin(
        "/api/admin/catalog/categories/"
        f"{make_category('Shoes', description='All', seo_title='S', metadata={'a': 1}).public_id}"
    ),
    "/api/admin/catalog/collections/{collection_id}": lambda w: w.admin(
        f"/api/admin/catalog/collections/{make_collection('Sale').public_id}"
    ),
    "/api/admin/catalog/products/{product_id}": _product,
    "/api/admin/catalog/variants/{variant_id}": _variant,
    "/api/admin/catalog/media/{media_id}": _media,
    "/api/admin/inventory/warehouses/{warehouse_id}": lambda w: w.admin(
        f"/api/admin/inventory/warehouses/{order_warehouse().public_id}"
    ),
    "/api/admin/pricing/tax-settings": lambda w: w.admin("/api/admin/pricing/tax-settings"),
    "/api/admin/pricing/tax-classes/{slug}": _tax_class,
    "/api/admin/pricing/tax-rates/{rate_id}": _tax_rate,
    "/api/admin/pricing/promotions/{promotion_id}": _promotion,
    "/api/admin/pricing/vouchers/{voucher_id}": _voucher,
    "/api/admin/shipping/zones/{zone_id}": lambda w: w.admin(
        f"/api/admin/shipping/zones/{make_zone('EU', ['AT', 'FR']).public_id}"
    ),
    "/api/admin/shipping/methods/{method_id}": _method,
    "/api/admin/orders/drafts/{order_id}": _draft,
    "/api/admin/orders/{order_id}/lines/{line_id}": _order_line,
    "/api/admin/orders/{order_id}/fulfilments/{fulfilment_id}": _fulfilment,
}

PATCHES = [o for o in operations() if o.method == "PATCH"]
CASES = [
    pytest.param(o.path, field, id=f"{o.path}:{field}")
    for o in PATCHES
    for field in o.body.model_fields
]


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return ninja_api.get_openapi_schema()


@pytest.fixture
def world(api, owner_token, customer, customer_token) -> World:
    return World(api, owner_token, customer, customer_token)


def test_every_patch_operation_has_a_builder():
    assert PATCHES, "no PATCH operation found"
    assert {o.path for o in PATCHES} == set(BUILDERS)


def _property_schema(openapi: dict[str, Any], path: str, field: str) -> dict[str, Any]:
    body = openapi["paths"][path]["patch"]["requestBody"]["content"]["application/json"]
    ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
    return openapi["components"]["schemas"][ref]["properties"][field]


def _allows_null(schema: dict[str, Any]) -> bool:
    if schema.get("nullable") or schema.get("type") == "null":
        return True
    if isinstance(schema.get("type"), list) and "null" in schema["type"]:
        return True
    return any(_allows_null(s) for s in schema.get("anyOf", []) + schema.get("oneOf", []))


# where an order shows what a draft's PATCH sets
SHOWN_AS = {
    "note": lambda order: order["customer_note"],
    "shipping_method_id": lambda order: order["shipping"]["method_id"],
}


def _shown(resource: dict[str, Any], field: str) -> tuple[bool, Any]:
    """Where the resource shows a PATCH field: under its name, or without `_id`
    (`customer_id` → `customer`), or as SHOWN_AS says."""
    for name in (field, field.removesuffix("_id")):
        if name in resource:
            return True, resource[name]
    if field in SHOWN_AS:
        return True, SHOWN_AS[field](resource)
    return False, None


def _is_empty(value: Any) -> bool:
    return value in (None, "", [], {})


@pytest.mark.parametrize("path, field", CASES)
def test_null_clears_the_field_or_is_refused_with_422_and_changes_nothing(
    world, openapi, path, field
):
    target = BUILDERS[path](world)
    before = database_state()

    response = world.api.patch_json(target.url, {field: None}, token=target.token)

    documented_nullable = _allows_null(_property_schema(openapi, path, field))
    assert response.status_code < 500, response.content
    if response.status_code == 422:
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["code"] == "validation_error", problem
        assert problem["errors"], problem
        assert all(e["field"].split(".")[0] == field for e in problem["errors"]), problem
        assert database_state() == before
        assert not documented_nullable, f"{field}: refused, but documented as nullable"
    else:
        assert 200 <= response.status_code < 300, response.content
        assert documented_nullable, f"{field}: null accepted, but not documented as nullable"
        resource = target.pick(target.read())
        found, value = _shown(resource, field)
        assert found, f"{field} not in {sorted(resource)}"
        assert _is_empty(value), f"{field} still {value!r}"
