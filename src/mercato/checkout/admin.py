from typing import Any

from django.contrib import admin
from django.db.models import Count, DecimalField, F, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from unfold.admin import ModelAdmin
from unfold.decorators import display

from mercato.checkout.models import Cart, CartLine
from mercato.core.admin import ReadOnlyInline


class CartLineInline(ReadOnlyInline):
    model = CartLine
    fields = ("variant", "quantity", "unit_price", "created_at")


@admin.register(Cart)
class CartAdmin(ModelAdmin):
    """Carts, read-only; filter open carts by last activity to find abandoned ones."""

    list_display = ("token", "email", "user", "status", "line_count", "value", "updated_at")
    list_filter = ("status", "updated_at")
    search_fields = ("token", "email", "user__email")
    date_hierarchy = "updated_at"
    readonly_fields = [f.name for f in Cart._meta.fields]
    inlines = [CartLineInline]

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(
                lines_n=Count("lines"),
                value_sum=Coalesce(
                    Sum(F("lines__quantity") * F("lines__variant__price")),
                    0,
                    output_field=DecimalField(max_digits=14, decimal_places=2),
                ),
            )
        )

    @display(description="Lines", ordering="lines_n")
    def line_count(self, obj: Cart) -> int:
        return obj.lines_n

    @display(description="Value at list prices", ordering="value_sum")
    def value(self, obj: Cart) -> str:
        return f"{obj.value_sum:.2f} {obj.currency}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
