from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from unfold.admin import ModelAdmin

from mercato.core.models import EmailMessageLog, Event


class ReadOnlyAdmin(ModelAdmin):  # type: ignore[misc]  # unfold has no types: ModelAdmin is Any
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "name", "dispatched_at", "attempts", "last_error")
    list_filter = ("name",)
    search_fields = ("name", "id")
    date_hierarchy = "created_at"


@admin.register(EmailMessageLog)
class EmailMessageLogAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "template", "to", "subject")
    list_filter = ("template",)
    search_fields = ("to", "subject")
