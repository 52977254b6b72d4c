"""Shared API schemas: strict input, problem documents, money later."""

from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field


class InputSchema(Schema):
    """Every request body: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
