import uuid
from decimal import Decimal
from typing import Any, Literal, TypeAlias, overload

from django.conf import settings
from django.db import models
from django.db.models.expressions import Combinable

_MoneyIn: TypeAlias = str | float | Decimal | Combinable


@overload
def money_field(
    *, null: Literal[False] = False, **options: Any
) -> "models.DecimalField[_MoneyIn, Decimal]": ...
@overload
def money_field(
    *, null: Literal[True], **options: Any
) -> "models.DecimalField[_MoneyIn | None, Decimal | None]": ...
def money_field(*, null: bool = False, **options: Any) -> "models.DecimalField[Any, Any]":
    """A money column: up to 12 digits, two after the point."""
    return models.DecimalField(max_digits=12, decimal_places=2, null=null, **options)


class Event(models.Model):
    """A domain event in the outbox: written in the same transaction as the change it reports,
    dispatched to subscribers by the worker after commit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="event_pending_idx",
                condition=models.Q(dispatched_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.created_at:%Y-%m-%d %H:%M:%S})"


class IdempotencyRecord(models.Model):
    """The first response to a POST sent with an Idempotency-Key, kept for replays."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"

    caller = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(null=True)
    created_at = models.DateTimeField(db_index=True)
    locked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_caller_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"


class EmailMessageLog(models.Model):
    """What was sent to whom, and whether the relay took it (bodies are not kept)."""

    to = models.EmailField()
    template = models.CharField(max_length=100)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.template} → {self.to}"
