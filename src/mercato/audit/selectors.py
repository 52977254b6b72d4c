from django.db.models import QuerySet

from mercato.audit.models import AuditLogEntry


def list_entries(
    *, object_type: str = "", object_id: str = "", actor: str = ""
) -> QuerySet[AuditLogEntry]:
    entries = AuditLogEntry.objects.all()
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if actor:
        entries = entries.filter(actor_label=actor)
    return entries
