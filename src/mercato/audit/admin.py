from typing import Any, cast

from django.contrib import admin
from django.http import HttpRequest
from unfold.admin import ModelAdmin

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import Actor, record_change, snapshot
from mercato.core.admin import ReadOnlyAdmin
from mercato.core.clientip import get_client_ip


def admin_actor(request: HttpRequest) -> Actor:
    user = request.user
    return Actor(
        user_id=user.pk, label=user.get_username(), ip=get_client_ip(request), source="admin_site"
    )


class _AuditedRequest(HttpRequest):
    """For mypy only (through cast): the snapshot save_model keeps on the request."""

    _audit_before: dict[str, Any] | None


def _object_id(obj: Any) -> str:
    return str(getattr(obj, "public_id", None) or obj.pk)


class AuditedModelAdmin(ModelAdmin):
    """A back-office page whose saves and deletions land in the audit log, with the fields
    before and after."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        previous = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        before = snapshot(previous) if previous is not None else None
        cast(_AuditedRequest, request)._audit_before = before  # read back by save_related
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_audit_before", None)
        record_change(
            actor=admin_actor(request),
            action="update" if change else "create",
            obj=form.instance,
            before=before,
            after=snapshot(form.instance),
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Rows changed through an inline (a customer's addresses) are audited one by one."""
        existing = [f.instance for f in formset.initial_forms if f.instance.pk is not None]
        stored = formset.model._default_manager.in_bulk([obj.pk for obj in existing])
        before = {id(obj): snapshot(stored[obj.pk]) for obj in existing if obj.pk in stored}
        object_ids = {id(obj): _object_id(obj) for obj in existing}
        super().save_formset(request, form, formset, change)
        actor = admin_actor(request)
        for obj in formset.new_objects:
            record_change(actor=actor, action="create", obj=obj, after=snapshot(obj))
        for obj, _changed in formset.changed_objects:
            record_change(
                actor=actor,
                action="update",
                obj=obj,
                before=before.get(id(obj)),
                after=snapshot(obj),
            )
        for obj in formset.deleted_objects:
            record_change(
                actor=actor,
                action="delete",
                obj=obj,
                before=before.get(id(obj)),
                object_id=object_ids[id(obj)],
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        before, object_id = snapshot(obj), _object_id(obj)
        super().delete_model(request, obj)
        record_change(
            actor=admin_actor(request), action="delete", obj=obj, before=before, object_id=object_id
        )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            record_change(
                actor=admin_actor(request),
                action="delete",
                obj=obj,
                before=snapshot(obj),
            )
        super().delete_queryset(request, queryset)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(ReadOnlyAdmin):
    """Read-only: nobody edits or deletes the audit log, not even a superuser."""

    list_display = (
        "created_at",
        "actor_label",
        "source",
        "verb",
        "object_type",
        "object_repr",
        "ip_address",
    )
    list_filter = ("action", "source", "object_type")
    search_fields = ("actor_label", "object_id", "object_repr", "verb")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditLogEntry._meta.fields]
