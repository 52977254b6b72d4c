"""The read-only tables of the order page: lines, parcels, returns, timeline."""

from typing import Any

from django.http import HttpRequest

from mercato.core import admin as core_admin
from mercato.orders.models import Fulfilment, OrderEvent, OrderLine, Return


class ReadOnlyInline(core_admin.ReadOnlyInline):
    show_change_link = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "sku",
        "product_name",
        "variant_name",
        "quantity",
        "quantity_fulfilled",
        "quantity_returned",
        "unit_price",
        "unit_price_discounted",
        "voucher_discount",
        "tax_rate",
        "total_gross",
    )


class FulfilmentInline(ReadOnlyInline):
    model = Fulfilment
    fields = (
        "number",
        "status",
        "warehouse",
        "carrier",
        "tracking_number",
        "tracking_url",
        "created_at",
        "shipped_at",
        "delivered_at",
    )


class ReturnInline(ReadOnlyInline):
    model = Return
    fields = ("number", "status", "reason", "refund_amount", "refund_shipping", "created_at")


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline"
    fields = ("created_at", "type", "actor_label", "note", "data")
    ordering = ("created_at", "id")
