from django.db.models import QuerySet

from mercato.audit.models import AuditLogEntry
from mercato.core.queries import filter_given


def list_entries(
    *, object_type: str = "", object_id: str = "", actor: str = ""
) -> QuerySet[AuditLogEntry]:
    return filter_given(
        AuditLogEntry.objects.all(),
        object_type=object_type,
        object_id=object_id,
        actor_label=actor,
    )
