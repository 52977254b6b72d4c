"""Shared API schemas: strict input, partial updates, problem documents."""

import re
import types
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from ninja import Schema
from pydantic import (
    AllowInfNan,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    field_validator,
)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_8601(value: Any) -> Any:
    """A date-time is an ISO 8601 string (`2026-12-24T18:00:00Z`), not a number of seconds."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value.strip()):
        raise ValueError("Must be an ISO 8601 date-time string, e.g. 2026-12-24T18:00:00Z.")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_8601)]
# An amount as the services take it: a string ("19.99", the documented form) or a JSON number;
# never a boolean. The services check its places (422 invalid_price / invalid_value).
AmountInput = Decimal | str | StrictInt | Annotated[StrictFloat, AllowInfNan(False)]


class InputSchema(Schema):
    """Every request body: unknown fields are refused, strings are trimmed. Booleans and
    integers are strict (StrictBool, StrictInt): `true` is no quantity, `"3"` no number."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _allows_none(annotation: Any) -> bool:
    if annotation is None or annotation is type(None):
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_allows_none(arg) for arg in get_args(annotation))
    return False


def _patch_document(schema: dict[str, Any]) -> None:
    """A left-out PATCH field is left as it is: no property has a default."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class PatchSchema(InputSchema):
    """A partial update. A field left out is left as it is. `null` clears a field whose type
    allows None (`published_at: datetime | None = None`); every other field is declared with
    its plain type and a default that only marks it unset (`name: str = unset(…)`), so
    `null` for it is refused with 422 and the OpenAPI document gives it no `null` type."""

    model_config = ConfigDict(json_schema_extra=_patch_document)

    @classmethod
    @cache
    def _not_nullable(cls) -> frozenset[str]:
        return frozenset(
            name for name, field in cls.model_fields.items() if not _allows_none(field.annotation)
        )

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls._not_nullable():
            raise ValueError("May be left out, but not null.")
        return value


def unset(**constraints: Any) -> Any:
    """The default of a PatchSchema field that may be left out but not be null:
    `name: str = unset(max_length=100)` is `Field(None, max_length=100)`, typed so that the
    field keeps its plain type (`str`) for mypy as it does for the OpenAPI document."""
    return Field(None, **constraints)


class FieldError(Schema):
    field: str
    message: str
    type: str | None = None
    in_: str | None = Field(None, alias="in")


class Problem(Schema):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    code: str = Field(description="Stable machine-readable error code.")
    detail: str
    errors: list[FieldError] | None = None


class Message(Schema):
    detail: str


def problems(*statuses: int) -> dict[int, Any]:
    """The error part of an endpoint's `response=`: each status answers a Problem."""
    return {status: Problem for status in statuses}


def one_of(choices: Any) -> Any:
    """A query filter on Django `TextChoices`: the values inline in the document. A nested
    `Status` enum would become a component named `Status`, and several apps have one."""
    return Literal[tuple(choices.values)]
