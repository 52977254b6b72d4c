from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from unfold.admin import ModelAdmin, TabularInline

from mercato.core.errors import DomainError
from mercato.core.models import EmailMessageLog, Event


def form_error(exc: DomainError, fields: Iterable[str]) -> ValidationError:
    """A service's error as a form error, on its field when the form has that field."""
    errors = exc.extra.get("errors") or []
    field = errors[0]["field"] if errors else None
    if field is not None and field in fields:
        return ValidationError({field: str(exc)})
    return ValidationError(str(exc))


class ViewOnlyAdmin(ModelAdmin):  # type: ignore[misc]  # unfold has no types: ModelAdmin is Any
    """Rows made elsewhere (by the services), shown here, never added or edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ViewOnlyAdmin):
    """Rows shown here only: not deleted either."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@contextmanager
def refusal_shown(request: HttpRequest) -> Iterator[None]:
    """A service's refusal inside the block becomes an error message on the next page."""
    try:
        yield
    except DomainError as exc:
        messages.error(request, str(exc))


class DeletedOneByOne:
    """A bulk deletion deletes each object with `delete_model` (through the services)."""

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)  # type: ignore[attr-defined]  # a ModelAdmin's


class ReadOnlyInline(TabularInline):  # type: ignore[misc]  # unfold has no types
    """A table of related rows shown as they are: none added, changed or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
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
