"""The audit log over HTTP (GET /api/admin/audit-log). It lives here, not in `audit`, because
it needs the staff authentication of accounts, and audit sits below accounts."""

from typing import Any

from django.http import HttpRequest
from ninja import Query

from mercato.accounts.api.common import audit_router
from mercato.accounts.operations import admin_list
from mercato.audit.schemas import AuditFilters, AuditPage
from mercato.audit.selectors import list_entries
from mercato.core.pagination import paginate


@admin_list(
    audit_router,
    "/audit-log",
    page=AuditPage,
    permission="audit.view_auditlogentry",
    # The operation id it had in audit/api.py: operation ids are part of the API contract.
    operation_id="mercato_audit_api_list_audit_log",
)
def list_audit_log(request: HttpRequest, filters: Query[AuditFilters]) -> dict[str, Any]:
    """Every change made by staff and apps, newest first."""
    return paginate(
        list_entries(
            object_type=filters.object_type, object_id=filters.object_id, actor=filters.actor
        ),
        params=filters,
    )
