"""The OpenAPI document lists every route with its auth, its errors and the Idempotency-Key
header; the docs page works offline."""

import re

import pytest
from django.contrib.staticfiles import finders

from mercato import urls
from mercato.api import api as ninja_api
from mercato.core.tests.openapi_document import operations, served_document

PUBLIC_ADMIN = {"/api/admin/auth/login", "/api/admin/auth/refresh"}


@pytest.fixture(scope="module")
def schema():
    return served_document()


def routes() -> set[tuple[str, str]]:
    """(path, method) of every operation mounted on the API, from the routers themselves
    (mounted once the URLconf is loaded)."""
    assert urls.urlpatterns
    found = set()
    for prefix, router in ninja_api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    found.add((re.sub("/+", "/", f"/api/{prefix}/{path}"), method.lower()))
    return found


def test_every_route_is_documented(schema):
    documented = {(path, method) for path, method, _ in operations(schema)}

    assert len(documented) > 20
    assert documented == routes()


def test_every_admin_operation_requires_credentials(schema):
    admin = [
        (path, method, op)
        for path, method, op in operations(schema)
        if path.startswith("/api/admin/") and path not in PUBLIC_ADMIN
    ]

    assert admin
    assert [(path, method) for path, method, op in admin if not op.get("security")] == []


def test_sign_in_operations_need_no_credentials(schema):
    for path in PUBLIC_ADMIN | {"/api/store/auth/login", "/api/store/auth/register"}:
        assert not schema["paths"][path]["post"].get("security"), path


@pytest.mark.parametrize(
    ("path", "method"),
    [
        pytest.param(
            path,
            method,
            id=f"{method.upper()} {path}",
        )
        for path, method in sorted(routes())
    ],
)
def test_every_operation_documents_a_client_error_as_a_problem(schema, path, method):
    """Every operation that takes input or credentials documents how it refuses them."""
    operation = schema["paths"][path][method]
    if (
        not operation.get("parameters")
        and "requestBody" not in operation
        and not operation.get("security")
    ):
        pytest.skip("takes no input and no credentials: nothing a client can get wrong")
    responses = operation["responses"]
    # 414 is gunicorn's own HTML page (docs/decisions/0009)
    errors = {code: r for code, r in responses.items() if code.startswith("4") and code != "414"}

    assert errors
    for response in errors.values():
        assert response["content"]["application/problem+json"]["schema"]["$ref"].endswith(
            "/Problem"
        )


def test_every_post_takes_an_optional_idempotency_key_and_nothing_else_does(schema):
    for path, method, op in operations(schema):
        headers = [
            p
            for p in op.get("parameters", [])
            if p["in"] == "header" and p["name"] == "Idempotency-Key"
        ]
        if method == "post":
            assert len(headers) == 1, path
            assert headers[0]["required"] is False
            assert headers[0]["schema"]["maxLength"] == 255
        else:
            assert headers == [], (path, method)


def test_the_docs_page_loads_swagger_from_local_static_files(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui" in asset and asset.endswith(".js") for asset in assets)
    assert not re.search(r"https?://|//cdn|unpkg|jsdelivr", page)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "/api/openapi.json" in page
