"""The HTTP API: one NinjaAPI, the store and admin surfaces mounted on it, and every error
mapped to an RFC 9457 problem response here, once."""

import json
import logging
import re
import threading
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from mercato.accounts.api import admin_router as accounts_admin_router
from mercato.accounts.api import audit_router as audit_admin_router
from mercato.accounts.api import store_router as accounts_store_router
from mercato.analytics.api import admin_router as analytics_admin_router
from mercato.analytics.api import store_router as analytics_store_router
from mercato.catalog.api import admin_router as catalog_admin_router
from mercato.catalog.api import store_router as catalog_store_router
from mercato.checkout.api import admin_router as checkout_admin_router
from mercato.checkout.api import store_router as checkout_store_router
from mercato.core import openapi
from mercato.core.errors import DomainError, PayloadTooLarge
from mercato.core.idempotency import MAX_KEY_LENGTH
from mercato.core.problems import problem_response
from mercato.customers.api import admin_router as customers_admin_router
from mercato.customers.api import store_router as customers_store_router
from mercato.inventory.api import admin_router as inventory_admin_router
from mercato.inventory.api import store_router as inventory_store_router
from mercato.orders.api import admin_router as orders_admin_router
from mercato.orders.api import store_router as orders_store_router
from mercato.payments.api import admin_router as payments_admin_router
from mercato.payments.api import store_router as payments_store_router
from mercato.payments.api import webhook_router as payments_webhook_router
from mercato.pricing.api import admin_router as pricing_admin_router
from mercato.pricing.api import store_router as pricing_store_router
from mercato.shipping.api import admin_router as shipping_admin_router
from mercato.shipping.api import store_router as shipping_store_router

logger = logging.getLogger("mercato.api")


class MalformedBody(DomainError):
    code, status, title = "malformed_json", 400, "The request body is not valid JSON"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class StrictJSONParser(Parser):
    """JSON bodies only; a body that is not a JSON object (or that uses NaN or Infinity,
    which JSON does not have) is refused with a clear code."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            body = request.body
        except RequestDataTooBig as exc:
            raise PayloadTooLarge() from exc
        try:
            data = json.loads(body, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedBody(f"The request body is not valid JSON: {exc}.") from exc
        if not isinstance(data, dict):
            raise MalformedBody("The request body must be a JSON object.")
        _refuse_bad_text(data, ("body", "_"))  # "_": where ninja names the body argument
        return data

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        _refuse_bad_text(result, ("query" if data is request.GET else "form",))
        return result


NUL_MESSAGE = "Text may not contain NUL (U+0000) characters."
SURROGATE_MESSAGE = "Text may not contain an unpaired surrogate (U+D800 to U+DFFF)."
_UNPAIRED_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_fault(text: str) -> dict[str, str] | None:
    if "\x00" in text:
        return {"msg": NUL_MESSAGE, "type": "string_nul"}
    # json.loads joins an escaped pair into one character, so any surrogate left is alone:
    # it is not a character at all, and neither UTF-8 nor the database can hold it.
    if _UNPAIRED_SURROGATE.search(text):
        return {"msg": SURROGATE_MESSAGE, "type": "string_unicode"}
    return None


def _text_faults(value: Any, location: tuple[Any, ...]) -> list[dict[str, Any]]:
    if isinstance(value, str):
        fault = _text_fault(value)
        return [{"loc": location, **fault}] if fault else []
    if isinstance(value, dict):
        key_faults = (_text_fault(str(key)) for key in value)
        found = [{"loc": location, **fault} for fault in key_faults if fault][:1]
        for key, item in value.items():
            found += _text_faults(item, (*location, key))
        return found
    if isinstance(value, list):
        return [
            fault
            for index, item in enumerate(value)
            for fault in _text_faults(item, (*location, index))
        ]
    return []


def _refuse_bad_text(data: Any, location: tuple[Any, ...]) -> None:
    """No text the API takes holds a NUL character or an unpaired surrogate: PostgreSQL
    cannot store either, and no name, address or code needs them. Refused as a validation
    error of the field that holds it (of the object, for a key)."""
    if found := _text_faults(data, location):
        raise ValidationError(found)


IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": (
        "Makes the POST safe to retry: a replay with the same key and body returns the first "
        "response (marked `Idempotent-Replayed: true`) without doing anything again; the same "
        "key with another body is refused (422 `idempotency_key_reused`). Kept for 24 hours."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}


class MercatoAPI(NinjaAPI):
    """NinjaAPI whose schema documents what the middleware and the error handlers add (the
    Idempotency-Key header that every POST honours, the problem responses, links), built once
    per process: the routes do not change while it runs."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        with _schema_lock:
            cached = _schemas.get(path_prefix)
            if cached is None:
                cached = _schemas[path_prefix] = self._build_openapi_schema(path_prefix)
        return cached

    def _build_openapi_schema(self, path_prefix: str) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix)
        for operations in schema.get("paths", {}).values():
            if post := operations.get("post"):
                parameters = post.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(dict(IDEMPOTENCY_KEY_PARAMETER))
        openapi.finish(schema)
        return schema


_schemas: dict[str, OpenAPISchema] = {}  # by path prefix; never mutate what it holds
_schema_lock = threading.Lock()


api = MercatoAPI(
    title="Mercato API",
    version="1.0.0",
    description=(
        "Headless commerce. The **store** API serves shoppers (anonymous or with a customer "
        "access token); the **admin** API serves staff tokens and app API keys. Errors are "
        "RFC 9457 problem documents with a stable `code`. Every POST takes an optional "
        "`Idempotency-Key` header."
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=StrictJSONParser(),
)


def _validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] in {"body", "query", "path", "header", "cookie", "form"}:
            source, path = location[0], location[1:]
        else:
            source, path = "body", location
        # Ninja nests a body parameter under its argument name: body.payload.email -> email
        if source == "body" and len(path) > 1:
            path = path[1:]
        errors.append(
            {
                "field": ".".join(path) or source,
                "in": source,
                "message": error.get("msg", "Invalid value"),
                "type": error.get("type", "value_error"),
            }
        )
    return errors


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = _validation_errors(exc)
    if errors and all(error["in"] == "path" for error in errors):
        # A path that names no resource (an id that is not a UUID, a slug too long): the
        # resource does not exist, whatever the reason.
        return problem_response(404, "not_found", "No such resource.")
    return problem_response(422, "validation_error", "Some fields are not valid.", errors=errors)


@api.exception_handler(MultiPartParserError)
def on_malformed_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return problem_response(
        400, "malformed_multipart", f"The request body is not valid multipart/form-data: {exc}"
    )


@api.exception_handler(SuspiciousOperation)
def on_suspicious_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    """Django refuses a form with too many fields or files with these."""
    return problem_response(400, "bad_request", str(exc) or "The request is not acceptable.")


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    headers = {}
    if retry_after := getattr(exc, "retry_after", None):
        headers["Retry-After"] = str(retry_after)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="mercato"'
    return problem_response(exc.status, exc.code, str(exc), headers=headers, **exc.extra)


@api.exception_handler(RequestDataTooBig)
def on_request_data_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return on_domain_error(request, PayloadTooLarge())


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        401,
        "not_authenticated",
        "A valid access token is required (Authorization: Bearer …).",
        headers={"WWW-Authenticate": 'Bearer realm="mercato"'},
    )


@api.exception_handler(AuthorizationError)
def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return problem_response(403, "permission_denied", "You may not do this.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, DomainError):  # Ninja wraps what the body parser raises
        return on_domain_error(request, exc.__cause__)
    if isinstance(exc.__cause__, ValidationError):
        return on_validation_error(request, exc.__cause__)
    return problem_response(exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, "not_found", "No such resource.")


@api.exception_handler(Exception)
def on_unhandled_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    return problem_response(
        500, "server_error", "Something went wrong on our side; it has been logged."
    )


store = Router()  # each app's router tags its operations: one tag each
store.add_router("", accounts_store_router)
store.add_router("", customers_store_router)
store.add_router("", catalog_store_router)
store.add_router("", inventory_store_router)
store.add_router("", pricing_store_router)
store.add_router("", shipping_store_router)
store.add_router("", checkout_store_router)
store.add_router("", orders_store_router)
store.add_router("", payments_store_router)
store.add_router("", analytics_store_router)

admin = Router()
admin.add_router("", accounts_admin_router)
admin.add_router("", customers_admin_router)
admin.add_router("", audit_admin_router)
admin.add_router("", catalog_admin_router)
admin.add_router("", inventory_admin_router)
admin.add_router("", pricing_admin_router)
admin.add_router("", shipping_admin_router)
admin.add_router("", checkout_admin_router)
admin.add_router("", orders_admin_router)
admin.add_router("", payments_admin_router)
admin.add_router("", analytics_admin_router)

api.add_router("/store", store)
api.add_router("/admin", admin)
api.add_router("/webhooks", payments_webhook_router)
