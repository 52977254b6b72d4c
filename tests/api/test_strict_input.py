"""Request bodies are strict about types: a boolean is `true`/`false` (not 1 or "yes"), an
integer is a JSON integer (not `true`, "3" or 3.0), a date-time is an ISO 8601 string (not
a number of seconds), and an amount is never a boolean. Checked on every input schema the
API parses (discovered from the NinjaAPI), and through the API on representative
operations, where a refusal is a 422 validation problem that changed nothing."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from mercato.audit.services import SYSTEM
from mercato.catalog.schemas import CollectionPatch, VariantPatch
from mercato.catalog.tests.factories import make_collection, make_product, variant
from mercato.inventory import services as inventory
from mercato.pricing import services as pricing
from mercato.pricing.schemas import VoucherPatch
from mercato.shipping.tests.factories import make_zone
from tests.api.operations import database_state, input_schemas
from tests.support.orders import order_warehouse

NOT_BOOLEANS = [1, 0, "yes", "true"]
NOT_INTEGERS = [True, "3", 3.0]
NOT_DATETIMES = [1_700_000_000, "1700000000", True]
NOT_AMOUNTS = [True, False]


def _types(prop: dict[str, Any]) -> set[str]:
    kinds = [prop, *prop.get("anyOf", [])]
    found = {k["type"] for k in kinds if isinstance(k.get("type"), str)}
    found |= {"date-time" for k in kinds if k.get("format") == "date-time"}
    return found - {"null"}


def _bad_values(prop: dict[str, Any]) -> list[Any]:
    kinds = _types(prop)
    if kinds == {"boolean"}:
        return NOT_BOOLEANS
    if kinds == {"integer"}:
        return NOT_INTEGERS
    if kinds == {"string", "date-time"}:
        return NOT_DATETIMES
    if "string" in kinds and kinds & {"number", "integer"} and "boolean" not in kinds:
        return NOT_AMOUNTS  # an amount: a string or a number
    return []


def _cases() -> list:
    cases = []
    for model in sorted(input_schemas(), key=lambda m: f"{m.__module__}.{m.__name__}"):
        props = model.model_json_schema()["properties"]
        for name, prop in props.items():
            for bad in _bad_values(prop):
                cases.append(pytest.param(model, name, bad, id=f"{model.__name__}.{name}={bad!r}"))
    return cases


CASES = _cases()


def test_the_schema_cases_cover_booleans_integers_datetimes_and_amounts():
    bad_values = {case.values[2] for case in CASES}
    for kind in (NOT_BOOLEANS, NOT_INTEGERS, NOT_DATETIMES, NOT_AMOUNTS):
        assert set(kind) & bad_values
    fields = {(case.values[0].__name__, case.values[1]) for case in CASES}
    assert {("LineIn", "quantity"), ("AdjustIn", "delta"), ("ZonePatch", "is_active")} <= fields


@pytest.mark.parametrize("model, field, bad", CASES)
def test_every_input_schema_refuses_a_value_of_the_wrong_json_type(
    model: type[BaseModel], field: str, bad: Any
):
    with pytest.raises(ValidationError) as caught:
        model.model_validate({field: bad})
    assert any(error["loc"][:1] == (field,) for error in caught.value.errors()), (
        caught.value.errors()
    )


@pytest.mark.parametrize(
    "value, expected",
    [(True, True), (False, False)],
)
def test_booleans_still_take_true_and_false(value, expected):
    assert CollectionPatch.model_validate({"is_published": value}).is_published is expected


def test_integers_amounts_and_datetimes_still_take_their_json_forms():
    patch = VariantPatch.model_validate({"weight_grams": 300, "price": "19.99"})
    assert (patch.weight_grams, patch.price) == (300, "19.99")
    voucher = VoucherPatch.model_validate({"starts_at": "2026-12-24T18:00:00Z", "value": 5})
    assert voucher.starts_at.isoformat() == "2026-12-24T18:00:00+00:00"
    assert voucher.value == 5


# --- through the API ----------------------------------------------------------------------


@pytest.fixture
def stocked(db):
    product = make_product(variants=[variant("10.00")])
    v = product.variants.get()
    inventory.adjust_stock(
        variant=v, warehouse=order_warehouse(), quantity=20, reason="count", actor=SYSTEM
    )
    return v


@pytest.fixture
def cart(api, stocked) -> dict[str, str]:
    token = api.post_json("/api/store/carts").json()["token"]
    added = api.post_json(
        f"/api/store/carts/{token}/lines", {"variant_id": str(stocked.public_id), "quantity": 1}
    )
    assert added.status_code == 200, added.content
    return {"token": token, "line": added.json()["lines"][0]["id"]}


def _request(api, owner_token, cart, stocked, operation: str) -> tuple[str, str, dict, Any]:
    """(method, url, body without the bad field, token) of a representative operation."""
    if operation == "add cart line":
        url = f"/api/store/carts/{cart['token']}/lines"
        return "post", url, {"variant_id": str(stocked.public_id)}, None
    if operation == "change cart line":
        return "patch", f"/api/store/carts/{cart['token']}/lines/{cart['line']}", {}, None
    if operation == "adjust stock":
        body = {"sku": stocked.sku, "warehouse": order_warehouse().slug, "reason": "count"}
        return "post", "/api/admin/inventory/stocks/adjust", body, owner_token
    if operation == "publish collection":
        url = f"/api/admin/catalog/collections/{make_collection('Sale').public_id}"
        return "patch", url, {}, owner_token
    if operation == "activate zone":
        return "patch", f"/api/admin/shipping/zones/{make_zone().public_id}", {}, owner_token
    if operation == "variant weight":
        return "patch", f"/api/admin/catalog/variants/{stocked.public_id}", {}, owner_token
    if operation == "variant price":
        return "patch", f"/api/admin/catalog/variants/{stocked.public_id}", {}, owner_token
    if operation == "voucher window":
        voucher = pricing.create_voucher(
            actor=SYSTEM, details=pricing.VoucherDetails(code="SAVE5", kind="fixed", value="5.00")
        )
        return "patch", f"/api/admin/pricing/vouchers/{voucher.public_id}", {}, owner_token
    raise AssertionError(operation)


API_CASES = [
    ("add cart line", "quantity", True),
    ("add cart line", "quantity", "3"),
    ("add cart line", "quantity", 3.0),
    ("change cart line", "quantity", True),
    ("change cart line", "quantity", "3"),
    ("adjust stock", "delta", True),
    ("adjust stock", "quantity", "3"),
    ("publish collection", "is_published", 1),
    ("publish collection", "is_published", "yes"),
    ("activate zone", "is_active", 1),
    ("activate zone", "is_active", "true"),
    ("variant weight", "weight_grams", "300"),
    ("variant price", "price", True),
    ("voucher window", "starts_at", 1_700_000_000),
    ("voucher window", "usage_limit", True),
    ("voucher window", "is_active", 0),
]


@pytest.mark.parametrize("operation, field, bad", API_CASES)
def test_the_api_refuses_a_value_of_the_wrong_json_type_and_changes_nothing(
    api, owner_token, cart, stocked, operation, field, bad
):
    method, url, body, token = _request(api, owner_token, cart, stocked, operation)
    before = database_state()

    response = api.call(method, url, {**body, field: bad}, token=token)

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error", problem
    assert {e["field"].split(".")[0] for e in problem["errors"]} == {field}, problem
    assert database_state() == before
