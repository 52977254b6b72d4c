from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from mercato.accounts.authentication import AdminAuth
from mercato.audit.selectors import list_entries
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import problems

admin_router = Router(tags=["admin: audit log"])


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


@admin_router.get(
    "/audit-log",
    response={200: AuditPage, **problems(401, 403, 422)},
    auth=AdminAuth("audit.view_auditlogentry"),
)
def list_audit_log(request: HttpRequest, filters: Query[AuditFilters]):
    """Every change made by staff and apps, newest first."""
    return paginate(
        list_entries(
            object_type=filters.object_type, object_id=filters.object_id, actor=filters.actor
        ),
        params=filters,
    )
