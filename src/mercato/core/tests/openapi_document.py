"""The served OpenAPI document, for the tests that check it (test_openapi, _contract)."""

from django.test import Client

METHODS = {"get", "post", "put", "patch", "delete"}


def served_document() -> dict:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    """(path, method, operation) for every operation of the document."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation
