"""Cursor (keyset) pagination: stable under inserts, constant cost on any page.

A cursor encodes the sort values of the last row served; the next page asks for rows after it.
The limit is capped by API_PAGE_MAX_LIMIT.
"""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from ninja import Schema
from pydantic import Field

from mercato.core.errors import InvalidInput

T = TypeVar("T")
M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 20


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=100, description="Items per page (at most 100).")
    cursor: str | None = Field(None, max_length=512, description="The `next` of the last page.")


class Page(Schema, Generic[T]):
    items: list[T]
    next: str | None = Field(
        None, description="Pass as `cursor` for the next page; null at the end."
    )


def _encode(values: list[Any]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return {"dt": value.isoformat()}
        if isinstance(value, UUID):
            return str(value)
        return value

    raw = json.dumps([plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid_cursor() -> InvalidInput:
    return InvalidInput("The cursor is not valid.", code="invalid_cursor", field="cursor")


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive datetime")
    return parsed


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        return [_aware(v["dt"]) if isinstance(v, dict) and "dt" in v else v for v in values]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise _invalid_cursor() from exc


def paginate(
    queryset: QuerySet[M],
    *,
    params: PageParams,
    ordering: Sequence[str] = ("-created_at", "-id"),
    transform: Callable[[M], Any] | None = None,
) -> dict[str, Any]:
    """One page of `queryset` in `ordering` (the last field must be unique), one query."""
    limit = min(params.limit, settings.API_PAGE_MAX_LIMIT)
    fields = [name.lstrip("-") for name in ordering]
    queryset = queryset.order_by(*ordering)
    if params.cursor:
        values = _decode(params.cursor, len(fields))
        # (a, b) after (x, y) in the given directions: a > x OR (a = x AND b > y) ...
        condition = Q()
        for i, name in enumerate(ordering):
            field = fields[i]
            op = "lt" if name.startswith("-") else "gt"
            step = Q(**{f"{field}__{op}": values[i]})
            for j in range(i):
                step &= Q(**{fields[j]: values[j]})
            condition |= step
        try:  # a forged cursor may hold values of the wrong type for its fields
            queryset = queryset.filter(condition)
        except (ValueError, TypeError, ValidationError) as exc:
            raise _invalid_cursor() from exc
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = _encode([getattr(rows[-1], f) for f in fields]) if more and rows else None
    items = [transform(row) for row in rows] if transform else rows
    return {"items": items, "next": cursor}
