"""The OpenAPI document says what the server does: every error answer it can give, as the
problem document it really is (`application/problem+json`), one tag per operation, and links
between the operations of a purchase so that a client (or a stateful fuzzer) can walk it.

Ninja builds the document from the handlers; `finish` completes it in one place, from what
the middleware and the exception handlers in `mercato.api` do for every operation, so no
handler has to repeat it."""

from typing import Any

from ninja import Router

from mercato.core.problems import PROBLEM_CONTENT_TYPE

METHODS = ("get", "put", "post", "patch", "delete")
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

# What each status means, with the codes it comes with. An operation gets the ones that apply
# to it (`_errors_for`); a status a handler declares keeps its own codes, these are added.
DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Content Too Large",
    414: "URI Too Long",
    422: "Unprocessable Content",
    429: "Too Many Requests",
}

RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 1},
}

PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": (
        "An RFC 9457 problem document. `code` is stable and machine-readable; `errors` lists "
        "the fields at fault. Some codes add members of their own (e.g. `limit` with "
        "`rate_limited`, `allowed` with `method_not_allowed`)."
    ),
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "A URI naming the problem type."},
        "title": {"type": "string", "description": "The HTTP status phrase."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "code": {"type": "string", "description": "Stable machine-readable error code."},
        "detail": {"type": "string", "description": "What went wrong, for a human."},
        "errors": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/FieldError"},
        },
    },
    "required": ["type", "title", "status", "code", "detail"],
}

FIELD_ERROR_SCHEMA = {
    "title": "FieldError",
    "type": "object",
    "properties": {
        "field": {"type": "string", "description": "The field's dotted path."},
        "message": {"type": "string"},
        "type": {"type": "string", "description": "The validation error's type."},
        "in": {
            "type": "string",
            "description": "Where the field is: body, query, path or header.",
        },
    },
    "required": ["field", "message"],
}

# The flows a client walks, as OpenAPI links: (method, path, status) of the operation that
# answers, the link's name, (method, path) of the operation it leads to, and its parameters.
LINKS: list[tuple[tuple[str, str, str], str, tuple[str, str], dict[str, str]]] = []


def _link(
    source: tuple[str, str, str], targets: dict[str, tuple[str, str, dict[str, str]]]
) -> None:
    for name, (method, path, parameters) in targets.items():
        LINKS.append((source, name, (method, path), parameters))


_CART = "$response.body#/token"
_cart_links = {
    "GetCart": ("get", "/api/store/carts/{token}", {"token": _CART}),
    "UpdateCheckout": ("patch", "/api/store/carts/{token}", {"token": _CART}),
    "AddLine": ("post", "/api/store/carts/{token}/lines", {"token": _CART}),
    "ListShippingMethods": ("get", "/api/store/carts/{token}/shipping-methods", {"token": _CART}),
    "CompleteCheckout": ("post", "/api/store/carts/{token}/complete", {"token": _CART}),
}
_link(("post", "/api/store/carts", "201"), _cart_links)
for _path, _method in [
    ("/api/store/carts/{token}/lines", "post"),
    ("/api/store/carts/{token}", "patch"),
]:
    _link((_method, _path, "200"), _cart_links)
_link(
    ("post", "/api/store/carts/{token}/lines", "200"),
    {
        "UpdateLine": (
            "patch",
            "/api/store/carts/{token}/lines/{line_id}",
            {"token": _CART, "line_id": "$response.body#/lines/0/id"},
        ),
        "RemoveLine": (
            "delete",
            "/api/store/carts/{token}/lines/{line_id}",
            {"token": _CART, "line_id": "$response.body#/lines/0/id"},
        ),
    },
)
_ORDER = "$response.body#/id"
_order_links = {
    "GetOrder": ("get", "/api/store/orders/{order_id}", {"order_id": _ORDER}),
    "PayOrder": ("post", "/api/store/orders/{order_id}/payments", {"order_id": _ORDER}),
    "ListPayments": ("get", "/api/store/orders/{order_id}/payments", {"order_id": _ORDER}),
    "ListFulfilments": ("get", "/api/store/orders/{order_id}/fulfilments", {"order_id": _ORDER}),
    "RequestReturn": ("post", "/api/store/orders/{order_id}/returns", {"order_id": _ORDER}),
    "ListReturns": ("get", "/api/store/orders/{order_id}/returns", {"order_id": _ORDER}),
    "GetInvoice": ("get", "/api/store/orders/{order_id}/invoice.pdf", {"order_id": _ORDER}),
}
_link(("post", "/api/store/carts/{token}/complete", "201"), _order_links)
_link(("get", "/api/store/orders/{order_id}", "200"), _order_links)
_PAYMENT = "$response.body#/id"
_PAID_ORDER = "$response.body#/order_id"
_link(
    ("post", "/api/store/orders/{order_id}/payments", "201"),
    {
        "ConfirmPayment": (
            "post",
            "/api/store/payments/{payment_id}/confirm",
            {"payment_id": _PAYMENT},
        ),
        "GetOrder": ("get", "/api/store/orders/{order_id}", {"order_id": _PAID_ORDER}),
    },
)
_link(
    ("post", "/api/store/payments/{payment_id}/confirm", "200"),
    {"GetOrder": ("get", "/api/store/orders/{order_id}", {"order_id": _PAID_ORDER})},
)
_link(
    ("post", "/api/store/carts/{token}/complete", "201"),
    {
        "AdminGetOrder": ("get", "/api/admin/orders/{order_id}", {"order_id": _ORDER}),
        "AdminListOrderPayments": (
            "get",
            "/api/admin/orders/{order_id}/payments",
            {"order_id": _ORDER},
        ),
    },
)


def keep_operation_ids(module: str, *routers: Router) -> None:
    """Give each operation of `routers` without an explicit id the one ninja gave it when the
    API was the one module `module` (`mercato_<app>_api_<handler>`), once the API became a
    package: clients generated from the document call operations by these ids."""
    prefix = module.replace(".", "_")
    for router in routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                operation.operation_id = (
                    operation.operation_id or f"{prefix}_{operation.view_func.__name__}"
                )


def _problem(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": dict(PROBLEM_REF)}},
    }
    if retry_after:
        response["headers"] = {"Retry-After": dict(RETRY_AFTER)}
    return response


def _errors_for(method: str, operation: dict[str, Any]) -> dict[int, list[str]]:
    """The errors the server's own machinery can give this operation, with their codes."""
    errors: dict[int, list[str]] = {}

    def add(status: int, code: str) -> None:
        errors.setdefault(status, []).append(code)

    parameters = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {})
    if "application/json" in body:
        add(400, "`malformed_json`: the body is not a JSON object")
    if "multipart/form-data" in body:
        add(400, "`malformed_multipart`: the body is not well-formed multipart/form-data")
    if body:
        add(413, "`payload_too_large`: the body is larger than the server takes")
        add(422, "`validation_error`: a field is missing or not valid (see `errors`)")
    elif any(p["in"] != "path" for p in parameters):
        add(422, "`validation_error`: a parameter is not valid (see `errors`)")
    if any(p["in"] == "path" for p in parameters):
        add(
            404,
            "`not_found` or `…_not_found`: no such resource (also for an id that is not a UUID)",
        )
    if parameters:  # a long enough path or query makes the request line too long
        add(414, "the request line (method, path and query) is longer than 8,190 bytes")
    if method == "post":
        add(400, "`invalid_idempotency_key`: the Idempotency-Key header is empty or too long")
        add(409, "`idempotency_request_in_progress`: a request with this key is still running")
        add(422, "`idempotency_key_reused`: the key was used with another request")
    if operation.get("security"):
        add(401, "`not_authenticated`: the access token is missing, expired or not valid")
        add(403, "`permission_denied`: the credentials do not allow this")
    return errors


def _one_tag(operation: dict[str, Any]) -> None:
    tags = operation.get("tags") or ["other"]
    operation["tags"] = [tags[-1]]  # the most specific: the app's router


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    """Complete the document ninja built (in place) and return it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components["FieldError"] = FIELD_ERROR_SCHEMA
    paths = schema.get("paths", {})
    for item in paths.values():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            _one_tag(operation)
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            for status, response in responses.items():
                content = response.get("content", {})
                problem = content.get("application/json", {}).get("schema") == PROBLEM_REF
                if status.startswith(("4", "5")) and problem:
                    response["content"] = {PROBLEM_CONTENT_TYPE: content.pop("application/json")}
            for status_code, codes in _errors_for(method, operation).items():
                if status_code == 414:  # gunicorn's own page, before Django sees the request
                    responses["414"] = {
                        "description": f"{DESCRIPTIONS[414]}: {codes[0]}, as an HTML page",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    }
                    continue
                response = responses.setdefault(
                    str(status_code), _problem(DESCRIPTIONS[status_code])
                )
                response["description"] = "; ".join([response["description"], *codes])
            for status, response in responses.items():
                if status == "409":  # an idempotent request in progress says when to retry
                    response.setdefault("headers", {})["Retry-After"] = dict(RETRY_AFTER)
                if status == "429":
                    headers = response.setdefault("headers", {})
                    headers["Retry-After"] = {**RETRY_AFTER, "required": True}
            operation["responses"] = dict(sorted(responses.items()))
    for (method, path, status), name, (target_method, target_path), parameters in LINKS:
        source = paths[path][method]
        target = paths[target_path][target_method]
        response = source["responses"][status]
        response.setdefault("links", {})[name] = {
            "operationId": target["operationId"],
            "parameters": parameters,
        }
    return schema
