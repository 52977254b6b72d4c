from django.conf import settings
from django.db import models


class AuditLogEntry(models.Model):
    """One change made by staff or an app: who, what, which object, the fields before and
    after, when and from where. Rows are only ever added."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        ACTION = "action", "Other action"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_app = models.ForeignKey(
        "accounts.App", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, help_text="Who it was, kept if they go.")
    action = models.CharField(max_length=10, choices=Action.choices)
    verb = models.CharField(max_length=100, help_text="What was done, e.g. apikey.revoke.")
    object_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, help_text="{field: [before, after]}")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    source = models.CharField(max_length=20, help_text="admin site, admin API, command …")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["object_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.verb} {self.object_repr}"
