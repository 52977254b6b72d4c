"""The operations of the API, discovered from the NinjaAPI itself (not a hand list): method,
path as a client writes it, and the pydantic model of the JSON body, if any; and the state of
the whole database, to show that a refused request changed nothing."""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from pydantic import BaseModel

from mercato.accounts.models import AuthSession
from mercato.api import api


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # e.g. /api/admin/catalog/products/{product_id}
    body: type[BaseModel] | None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _body_model(operation) -> type[BaseModel] | None:
    for model in operation.models:
        if getattr(model, "__ninja_param_source__", None) == "body":
            fields = list(model.model_fields.values())
            if len(fields) == 1 and isinstance(fields[0].annotation, type):
                return fields[0].annotation
    return None


@cache
def operations() -> tuple[Operation, ...]:
    found = []
    for bound in api._get_bound_routers():
        for path, view in bound.path_operations.items():
            full = "/api/" + "/".join(p.strip("/") for p in (bound.prefix, path) if p.strip("/"))
            for operation in view.operations:
                for method in operation.methods:
                    found.append(Operation(method, full, _body_model(operation)))
    return tuple(sorted(found, key=lambda o: (o.path, o.method)))


def input_schemas() -> Iterator[type[BaseModel]]:
    """Every model a request body is parsed with, and the models nested in them."""
    seen: set[type[BaseModel]] = set()
    todo = [o.body for o in operations() if o.body is not None]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        yield model
        for field in model.model_fields.values():
            todo.extend(_nested_models(field.annotation))


def _nested_models(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_nested_models(arg))
    return found


# rows that any authenticated request touches
VOLATILE = {AuthSession: {"last_used_at"}}


def database_state() -> dict[str, list[tuple]]:
    """Every row of every table of the project's apps (and auth), for "changed nothing"."""
    state = {}
    for model in apps.get_models():
        if not model.__module__.startswith(("mercato.", "django.contrib.auth")):
            continue
        skip = VOLATILE.get(model, set())
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        state[model._meta.label] = list(model.objects.order_by("pk").values_list(*names))
    return state
