"""The OpenAPI document is the contract: every component name stands for one class, every
operation has one tag, every error the server's machinery can give is documented as the
problem document it is, the purchase flow is linked, and the server answers as documented
(a path id that is not a UUID is a 404 problem, a broken upload a 400 problem)."""

import enum
import time
import typing
import uuid

import pytest
from django.test import Client
from pydantic import BaseModel

from mercato import urls
from mercato.api import api as ninja_api
from mercato.core.problems import PROBLEM_CONTENT_TYPE
from mercato.core.tests.openapi_document import operations, served_document

PROBLEM = "#/components/schemas/Problem"


@pytest.fixture(scope="module")
def schema():
    return served_document()


def _classes(annotation: typing.Any, found: dict[str, set[type]], seen: set[type]) -> None:
    """Every pydantic model and enum reachable from a type, by the name pydantic gives its
    component (the class name)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        if not annotation.__pydantic_generic_metadata__["origin"]:
            found.setdefault(annotation.__name__, set()).add(annotation)
        for field in annotation.model_fields.values():
            _classes(field.annotation, found, seen)
        for computed in annotation.model_computed_fields.values():
            _classes(computed.return_type, found, seen)
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.setdefault(annotation.__name__, set()).add(annotation)
    else:
        for argument in typing.get_args(annotation):
            _classes(argument, found, seen)


def component_classes() -> dict[str, set[type]]:
    """Component name -> the classes that ninja's schema generation would file under it: the
    request models and response models of every operation, and all they contain."""
    assert urls.urlpatterns  # the routers are mounted
    found: dict[str, set[type]] = {}
    seen: set[type] = set()
    for router in ninja_api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                # ninja's own wrappers (the parameters of a source, the response) are no
                # components: what their fields hold is
                for model in [*operation.models, *operation.response_models.values()]:
                    if isinstance(model, type) and issubclass(model, BaseModel):
                        for field in model.model_fields.values():
                            _classes(field.annotation, found, seen)
    return found


def test_component_names_are_unique_across_the_document(schema):
    found = component_classes()

    clashes = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in found.items()
        if len(classes) > 1
    }
    assert clashes == {}
    # the walk sees what ninja files: each component is a class found (or the hand-written
    # problem schemas), so a clash cannot hide from it
    components = set(schema["components"]["schemas"])
    assert components - set(found) <= {"Problem", "FieldError"}
    assert {"CartOut", "OrderPaymentOut", "PaymentOut", "CustomerAddressIn"} <= components


def test_the_clash_detector_finds_a_clash():
    class Inner(BaseModel):
        a: int

    class Outer(BaseModel):
        x: Inner
        y: "Other"

    class Other(BaseModel):
        b: int

    Other.__name__ = "Inner"  # a second class under the same component name
    Outer.model_rebuild(_types_namespace={"Other": Other})
    found: dict[str, set[type]] = {}
    _classes(Outer, found, set())

    assert len(found["Inner"]) == 2


def test_every_operation_has_exactly_one_tag(schema):
    untagged = [(m, p, op.get("tags")) for p, m, op in operations(schema)]
    assert [entry for entry in untagged if len(entry[2] or []) != 1] == []
    tags = {op["tags"][0] for _, _, op in operations(schema)}
    assert {"store: cart and checkout", "admin: catalog"} <= tags
    assert "store" not in tags and "admin" not in tags


def _problem_response(operation, status: str):
    response = operation["responses"].get(status)
    assert response is not None, status
    assert list(response["content"]) == [PROBLEM_CONTENT_TYPE], status
    assert response["content"][PROBLEM_CONTENT_TYPE]["schema"]["$ref"] == PROBLEM
    return response


def test_every_error_is_documented_as_a_problem_document(schema):
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status == "414":  # the HTTP server's own page, before the application
                assert list(response["content"]) == ["text/html"]
            elif status.startswith("4"):
                assert list(response.get("content", {})) == [PROBLEM_CONTENT_TYPE], (
                    method,
                    path,
                    status,
                )


def test_each_operation_documents_the_errors_it_can_give(schema):
    for _path, method, operation in operations(schema):
        parameters = operation.get("parameters", [])
        body = operation.get("requestBody", {}).get("content", {})
        if body:
            _problem_response(operation, "400")
            _problem_response(operation, "413")
            _problem_response(operation, "422")
        if any(p["in"] == "path" for p in parameters):
            assert "not_found" in _problem_response(operation, "404")["description"]
        if any(p["in"] in {"query", "header"} for p in parameters):
            _problem_response(operation, "422")
        if parameters:  # gunicorn's page for a request line past --limit-request-line
            assert list(operation["responses"]["414"]["content"]) == ["text/html"]
        if method == "post":
            assert "invalid_idempotency_key" in _problem_response(operation, "400")["description"]
            in_progress = _problem_response(operation, "409")
            assert "idempotency_request_in_progress" in in_progress["description"]
            assert "Retry-After" in in_progress["headers"]
            assert "idempotency_key_reused" in _problem_response(operation, "422")["description"]
        if operation.get("security"):
            _problem_response(operation, "401")
            _problem_response(operation, "403")


RATE_LIMITED = {
    ("post", "/api/store/auth/login"),
    ("post", "/api/store/auth/register"),
    ("post", "/api/store/auth/password/reset"),
    ("post", "/api/store/carts"),
    ("patch", "/api/store/carts/{token}"),
    ("post", "/api/store/orders/{order_id}/payments"),
    ("post", "/api/admin/auth/login"),
}


def test_rate_limited_operations_document_429_with_retry_after(schema):
    limited = set()
    for path, method, operation in operations(schema):
        if "429" in operation["responses"]:
            response = _problem_response(operation, "429")
            assert response["headers"]["Retry-After"]["required"] is True
            limited.add((method, path))
    assert limited >= RATE_LIMITED


def test_the_problem_schema_is_what_the_server_sends(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code", "detail"}
    field_error = schema["components"]["schemas"]["FieldError"]
    assert set(field_error["properties"]) == {"field", "message", "type", "in"}


def test_the_purchase_flow_is_linked(schema):
    by_id = {op["operationId"]: (method, path) for path, method, op in operations(schema)}

    def links(method, path, status):
        found = schema["paths"][path][method]["responses"][status].get("links", {})
        return {
            name: (by_id[link["operationId"]], link["parameters"]) for name, link in found.items()
        }

    created = links("post", "/api/store/carts", "201")
    assert created["AddLine"] == (
        ("post", "/api/store/carts/{token}/lines"),
        {"token": "$response.body#/token"},
    )
    assert created["CompleteCheckout"][0] == ("post", "/api/store/carts/{token}/complete")
    assert "CompleteCheckout" in links("post", "/api/store/carts/{token}/lines", "200")
    placed = links("post", "/api/store/carts/{token}/complete", "201")
    assert placed["GetOrder"] == (
        ("get", "/api/store/orders/{order_id}"),
        {"order_id": "$response.body#/id"},
    )
    assert placed["PayOrder"][0] == ("post", "/api/store/orders/{order_id}/payments")
    paid = links("post", "/api/store/orders/{order_id}/payments", "201")
    assert paid["ConfirmPayment"][0] == ("post", "/api/store/payments/{payment_id}/confirm")


def test_the_document_is_built_once_per_process():
    client = Client()
    client.get("/api/openapi.json")
    started = time.perf_counter()
    for _ in range(3):
        assert client.get("/api/openapi.json").status_code == 200
    assert time.perf_counter() - started < 1.0
    assert ninja_api.get_openapi_schema() is ninja_api.get_openapi_schema()


# --- the server answers as documented -------------------------------------------------------


def _assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code or (code == "not_found" and body["code"].endswith("_not_found"))
    assert {"type", "title", "detail"} <= set(body)
    return body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "auth"),
    [
        ("/api/store/orders/not-a-uuid", None),
        ("/api/store/me/addresses/not-a-uuid", "customer"),
        ("/api/admin/catalog/products/123", "owner"),
        ("/api/admin/customers/zz", "owner"),
    ],
)
def test_a_path_id_that_is_not_a_uuid_is_not_found(api, customer_token, owner_token, path, auth):
    token = {"customer": customer_token, "owner": owner_token, None: None}[auth]

    _assert_problem(api.get_json(path, token=token), 404, "not_found")
    _assert_problem(
        api.get_json(path.rsplit("/", 1)[0] + f"/{uuid.uuid4()}", token=token), 404, "not_found"
    )


@pytest.mark.django_db
def test_a_query_parameter_that_is_not_valid_is_still_a_validation_error(api):
    body = _assert_problem(
        api.get_json("/api/store/products", {"limit": "many"}), 422, "validation_error"
    )
    assert body["errors"][0]["in"] == "query"


@pytest.mark.django_db
def test_malformed_json_and_a_bad_idempotency_key_are_documented_problems(api):
    _assert_problem(api.post_json("/api/store/auth/login", raw="{nope"), 400, "malformed_json")
    _assert_problem(
        api.post_json("/api/store/carts", {}, headers={"Idempotency-Key": "x" * 300}),
        400,
        "invalid_idempotency_key",
    )


BROKEN_MULTIPART = [
    # no boundary at all, an empty one: not multipart
    ("multipart/form-data", b"--nothing\r\n\r\n", 400, "malformed_multipart"),
    ("multipart/form-data; boundary=", b"garbage", 400, "malformed_multipart"),
    # a part header with no end: Django reads no part, so the file is missing
    (
        "multipart/form-data; boundary=XYZ",
        b"--XYZ\r\nContent-Disposition: form-data; name=",
        422,
        "validation_error",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("content_type", "body", "status", "code"), BROKEN_MULTIPART)
@pytest.mark.parametrize(
    "path",
    [
        "/api/admin/catalog/products/{product}/media",
        "/api/admin/catalog/products/import",
        "/api/admin/inventory/stocks/import",
    ],
)
def test_a_broken_multipart_body_is_a_problem_not_a_server_error(
    api, owner_token, path, content_type, body, status, code
):
    from mercato.catalog.models import Product, ProductType

    product = Product.objects.create(
        name="P", slug="p", product_type=ProductType.objects.create(name="T", slug="t")
    )
    response = api.call(
        "post",
        path.format(product=product.public_id),
        raw=body,
        content_type=content_type,
        token=owner_token,
    )

    _assert_problem(response, status, code)
    assert not product.media.exists()


@pytest.mark.django_db
def test_a_nul_character_is_refused_where_it_is_sent(api):
    """PostgreSQL cannot store or even compare text with NUL in it (a 500 found by the fuzz on
    POST /me/cart/merge): the API refuses it as invalid input, naming the field."""
    body = _assert_problem(
        api.post_json("/api/store/auth/login", {"email": "a\x00@example.com", "password": "x"}),
        422,
        "validation_error",
    )
    assert [(e["field"], e["in"], e["type"]) for e in body["errors"]] == [
        ("email", "body", "string_nul")
    ]
    cart = api.post_json("/api/store/carts").json()
    body = _assert_problem(
        api.patch_json(
            f"/api/store/carts/{cart['token']}",
            {"shipping_address": {"city": "Ber\x00lin"}, "note": "ok"},
        ),
        422,
        "validation_error",
    )
    assert [e["field"] for e in body["errors"]] == ["shipping_address.city"]
    assert api.get_json(f"/api/store/carts/{cart['token']}").json()["shipping_address"] is None

    body = _assert_problem(api.get_json("/api/store/products?q=a%00b"), 422, "validation_error")
    assert [(e["field"], e["in"]) for e in body["errors"]] == [("q", "query")]
    _assert_problem(api.get_json("/api/store/carts/ab%00cd"), 404, "not_found")


@pytest.mark.django_db
def test_an_unpaired_surrogate_is_refused_where_it_is_sent(api, owner_token):
    """JSON can escape half of a UTF-16 pair ("\\udbb7") that no UTF-8 text can hold, so neither
    database can store it (a 500 found by the fuzz on POST /admin/catalog/products, in a
    metadata key). Refused as invalid input naming the field, in values and in keys alike;
    an escaped pair that makes one character is fine."""
    from mercato.catalog.models import Product
    from mercato.catalog.tests.factories import make_product_type

    def post(raw: str):
        return api.call(
            "post",
            "/api/admin/catalog/products",
            raw=raw,
            content_type="application/json",
            token=owner_token,
        )

    kind = make_product_type("Shoe").slug
    raw = (
        f'{{"name": "Shoes", "product_type": "{kind}", "metadata": {{"ok": {{"\\udbb7k": 1}}}},'
        ' "private_metadata": {"note": "a\\udc00"}}'
    )
    response = post(raw)
    body = _assert_problem(response, 422, "validation_error")
    assert sorted((e["field"], e["in"], e["type"]) for e in body["errors"]) == [
        ("metadata.ok", "body", "string_unicode"),
        ("private_metadata.note", "body", "string_unicode"),
    ]
    assert not Product.objects.exists()

    raw = (
        f'{{"name": "Sh\\u00f6es", "product_type": "{kind}", "metadata": {{"\\ud83d\\ude00": 1}}}}'
    )
    response = post(raw)
    assert response.status_code == 201, response.content
    assert Product.objects.get(name="Sh\u00f6es").metadata == {"\U0001f600": 1}
