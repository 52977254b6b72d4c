"""Admin: apps, their permissions and their API keys (the secrets are shown once)."""

from functools import partial
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja.responses import Status

from mercato.accounts import selectors, services
from mercato.accounts.api.common import actor, admin_router, no_store
from mercato.accounts.authentication import principal_of
from mercato.accounts.models import ApiKey
from mercato.accounts.operations import admin_operation
from mercato.accounts.schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, AppIn, AppOut, AppPatch

operation = partial(admin_operation, admin_router)
APP = "/apps/{app_id}"
KEYS = f"{APP}/keys"
VIEW_APP, ADD_APP, CHANGE_APP = (f"accounts.{verb}_app" for verb in ("view", "add", "change"))
ADD_KEY, CHANGE_KEY = "accounts.add_apikey", "accounts.change_apikey"


@operation("get", "/apps", out=list[AppOut], permission=VIEW_APP)
def list_apps(request: HttpRequest):
    """Apps with their permissions and keys (never the secrets)."""
    return list(selectors.list_apps())


@operation("post", "/apps", out=AppOut, status=201, errors=(422,), permission=ADD_APP)
def create_app(request: HttpRequest, payload: AppIn):
    """Register an app. It can be given only permissions the caller holds."""
    app = services.create_app(
        name=payload.name,
        permissions=payload.permissions,
        actor=actor(request),
        creator=principal_of(request),
    )
    return Status(201, selectors.get_app(public_id=app.public_id))


@operation("get", APP, out=AppOut, errors=(404,), permission=VIEW_APP)
def get_app(request: HttpRequest, app_id: UUID):
    return selectors.get_app(public_id=app_id)


@operation("patch", APP, out=AppOut, errors=(404, 422), permission=CHANGE_APP)
def update_app(request: HttpRequest, app_id: UUID, payload: AppPatch):
    """Rename, deactivate (its keys stop working) or change the permissions of an app."""
    app = services.update_app(
        app=selectors.get_app(public_id=app_id),
        actor=actor(request),
        creator=principal_of(request),
        **payload.dict(exclude_unset=True),
    )
    return selectors.get_app(public_id=app.public_id)


@operation("post", KEYS, out=ApiKeyCreatedOut, status=201, errors=(404, 422), permission=ADD_KEY)
def create_api_key(request: HttpRequest, response: HttpResponse, app_id: UUID, payload: ApiKeyIn):
    """A new API key. The `key` is in this response only: store it now."""
    no_store(response)
    api_key, secret = services.create_api_key(
        app=selectors.get_app(public_id=app_id),
        name=payload.name,
        actor=actor(request),
        creator=principal_of(request),
    )
    out = ApiKeyOut.model_validate(api_key, from_attributes=True)
    return Status(201, ApiKeyCreatedOut(**out.dict(by_alias=True), key=secret))


@operation("post", f"{KEYS}/{{key_id}}/revoke", out=ApiKeyOut, errors=(404,), permission=CHANGE_KEY)
def revoke_api_key(request: HttpRequest, app_id: UUID, key_id: UUID):
    """Revoke a key at once. Revoking twice is harmless."""
    app = selectors.get_app(public_id=app_id)
    api_key: ApiKey = services.revoke_api_key(
        api_key=selectors.get_api_key(app=app, public_id=key_id), actor=actor(request)
    )
    return ApiKeyOut.model_validate(api_key, from_attributes=True)
