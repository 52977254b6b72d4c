from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from unfold.admin import ModelAdmin, TabularInline

from mercato.orders.models import Order, OrderLine


class OrderLineInline(TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = (
        "sku",
        "product_name",
        "variant_name",
        "quantity",
        "unit_price",
        "unit_price_discounted",
        "voucher_discount",
        "tax_rate",
        "total_gross",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ModelAdmin):
    """Orders as placed (snapshots). Status changes come with the orders workflow."""

    list_display = (
        "number",
        "email",
        "status",
        "payment_status",
        "total_gross",
        "currency",
        "created_at",
    )
    list_filter = ("status", "payment_status", "reverse_charge")
    search_fields = ("number", "email", "voucher_code")
    date_hierarchy = "created_at"
    # the guest token opens the order to whoever holds it: not shown
    readonly_fields = [f.name for f in Order._meta.fields if f.name not in {"id", "guest_token"}]
    exclude = ("guest_token",)
    inlines = [OrderLineInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
