from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from mercato.core.pagination import PageParams


class AuditEntryOut(Schema):
    id: int
    created_at: datetime
    actor: str = Field(alias="actor_label")
    source: str
    ip_address: str | None
    action: str
    verb: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any] = Field(description="{field: [before, after]}")


class AuditPage(Schema):
    items: list[AuditEntryOut]
    next: str | None


class AuditFilters(PageParams):
    object_type: str = Field("", max_length=100, description="e.g. accounts.app")
    object_id: str = Field("", max_length=64)
    actor: str = Field("", max_length=254, description="Email of the staff member or app:<name>")
