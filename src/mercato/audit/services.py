"""The audit log: `record_change` is called by every service that staff or apps can reach,
and by the back office for the rows it saves."""

import datetime
import decimal
import uuid
from dataclasses import dataclass
from typing import Any, cast

from django.db import models
from django.db.models.fields.files import FieldFile

from mercato.audit.models import AuditLogEntry

REDACTED = "[redacted]"
SECRET_FIELDS = {"password", "key_hash", "token_hash"}


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, an app, or the system (a command, a task)."""

    user_id: int | None = None
    app_id: int | None = None
    label: str = "system"
    ip: str | None = None
    source: str = "system"


SYSTEM = Actor()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple | set):
        return sorted(_plain(item) for item in value)
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The object's concrete field values (and many-to-many ids), JSON-safe, secrets hidden."""
    data: dict[str, Any] = {}
    opts = obj._meta
    for field in [*opts.concrete_fields, *opts.many_to_many]:
        if fields is not None and field.name not in fields:
            continue
        if field.many_to_many:
            value = sorted(getattr(obj, field.name).values_list("pk", flat=True)) if obj.pk else []
        else:
            value = field.value_from_object(obj)
        data[field.name] = REDACTED if field.name in SECRET_FIELDS else _plain(value)
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def record_change(
    *,
    actor: Actor,
    action: str,
    obj: models.Model,
    verb: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_id: str | None = None,
) -> AuditLogEntry:
    """Record one change. `before` is None for a creation, `after` None for a deletion."""
    changes = diff(before or {}, after or {})
    opts = obj._meta
    return AuditLogEntry.objects.create(
        actor_user_id=actor.user_id,
        actor_app_id=actor.app_id,
        actor_label=actor.label[:254],
        action=action,
        verb=verb or f"{opts.model_name}.{action}",
        # a proxy (Customer) is its row; concrete_model is set on every model class's options
        object_type=cast(type[models.Model], opts.concrete_model)._meta.label_lower,
        object_id=object_id or str(getattr(obj, "public_id", None) or obj.pk),
        object_repr=str(obj)[:200],
        changes=changes,
        ip_address=actor.ip,
        source=actor.source,
    )


def record_action(obj: models.Model, verb: str, *, actor: Actor, **after: Any) -> AuditLogEntry:
    """Record an action on `obj` that is not a plain creation, change or deletion (a
    cancellation, a transfer, an import): `verb` names it, `after` is what it left."""
    return record_change(actor=actor, action="action", obj=obj, verb=verb, after=after)


def record_save(
    *,
    actor: Actor,
    obj: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None = None,
    verb: str = "",
) -> AuditLogEntry:
    """Log a save of `obj` that already happened: a creation when there is no `before` (take
    it with `snapshot(obj)` before changing a row that exists), else an update. `after` is
    `snapshot(obj)` unless the caller's record holds more (a method's brackets)."""
    return record_change(
        actor=actor,
        action="create" if before is None else "update",
        obj=obj,
        verb=verb,
        before=before,
        after=snapshot(obj) if after is None else after,
    )


def audited_save(
    obj: models.Model,
    *,
    actor: Actor,
    before: dict[str, Any] | None,
    verb: str = "",
    update_fields: list[str] | None = None,
) -> AuditLogEntry:
    """`obj.save()`, then `record_save`: the block every create-or-update service ends with."""
    obj.save(update_fields=update_fields)
    return record_save(actor=actor, obj=obj, before=before, verb=verb)
