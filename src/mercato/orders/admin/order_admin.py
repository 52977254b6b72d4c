"""The order list (filters, search) and the order page (read-only, with its lines, parcels,
returns and timeline; a note for the timeline); confirm as a bulk action and a button."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path
from unfold.dataclasses import ActionDialog
from unfold.decorators import action, display

from mercato.audit.admin import admin_actor
from mercato.orders.admin.base import OrderAdminBase
from mercato.orders.admin.forms import ConfirmDialogForm, OrderForm
from mercato.orders.admin.inlines import (
    FulfilmentInline,
    OrderEventInline,
    OrderLineInline,
    ReturnInline,
)
from mercato.orders.admin.pages.drafts import DraftPages
from mercato.orders.admin.pages.fulfil import FulfilPages
from mercato.orders.admin.pages.lines import LinePages
from mercato.orders.admin.pages.returns import ReturnPages
from mercato.orders.models import Order, Return
from mercato.orders.services.placement import confirm_order
from mercato.orders.services.status import add_note

ORDER_FIELDS = [f.name for f in Order._meta.fields if f.name not in {"id", "guest_token"}]


class ReturnsFilter(admin.SimpleListFilter):
    """Orders with a return still to approve, receive or refund (the dashboard links here)."""

    title = "returns"
    parameter_name = "returns"
    OPEN = (Return.Status.REQUESTED, Return.Status.APPROVED, Return.Status.RECEIVED)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "To handle")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        if self.value() == "open":
            return queryset.filter(
                pk__in=Return.objects.filter(status__in=self.OPEN).values("order")
            )
        return queryset


class OrderAdmin(FulfilPages, ReturnPages, LinePages, DraftPages, OrderAdminBase):
    form = OrderForm
    list_display = (
        "number",
        "email",
        "customer_name",
        "status",
        "payment_status",
        "total_gross",
        "currency",
        "origin",
        "placed_at",
        "created_at",
    )
    list_filter = (
        "status",
        "payment_status",
        ReturnsFilter,
        "origin",
        "reverse_charge",
        "created_at",
    )
    search_fields = (
        "=number",
        "email",
        "user__email",
        "user__first_name",
        "user__last_name",
        "=lines__sku",
    )
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    # the guest token opens the order to whoever holds it: never shown
    readonly_fields = ORDER_FIELDS
    fieldsets = (
        (None, {"fields": ("new_note",)}),
        (
            "Order",
            {
                "fields": (
                    "public_id", "number", "status", "payment_status", "origin", "user",
                    "email", "currency", "placed_at", "cancelled_at", "created_at",
                    "updated_at",
                )
            },
        ),
        (
            "Totals",
            {
                "fields": (
                    "subtotal", "voucher_discount", "shipping_price", "subtotal_net",
                    "subtotal_gross", "discount_total", "voucher_code",
                    "shipping_method_name", "shipping_net", "shipping_tax", "shipping_gross",
                    "tax_total", "total_net", "total_gross", "prices_include_tax",
                    "reverse_charge", "vat_number", "tax_note",
                )
            },
        ),
        (
            "Payments",
            {"fields": ("total_authorized", "total_charged", "total_refunded")},
        ),
        (
            "Addresses and note",
            {"fields": ("shipping_address", "billing_address", "customer_note")},
        ),
        (
            "More",
            {
                "fields": ("shipping_method_id", "shipping_tax_rate", "checkout_token"),
                "classes": ("collapse",),
            },
        ),
    )  # fmt: skip
    inlines = [OrderLineInline, FulfilmentInline, ReturnInline, OrderEventInline]
    actions = ["confirm_orders"]
    actions_detail = [
        "confirm_detail",
        "finalise_detail",
        "fulfil_detail",
        "returns_detail",
        "lines_detail",
    ]
    actions_list = ["create_draft"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @display(description="Customer")
    def customer_name(self, obj: Order) -> str:
        if obj.user is not None and (obj.user.first_name or obj.user.last_name):
            return f"{obj.user.first_name} {obj.user.last_name}".strip()
        address = obj.shipping_address or {}
        return f"{address.get('first_name', '')} {address.get('last_name', '')}".strip() or "—"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        if obj is None or not self.has_change_permission(request, obj):
            return self.fieldsets[1:]
        return self.fieldsets

    def save_model(self, request: HttpRequest, obj: Order, form: Any, change: bool) -> None:
        """Nothing of the order is saved from the form; a typed note goes on the timeline."""
        note = form.cleaned_data.get("new_note", "").strip()
        if note:
            add_note(order=obj, note=note, actor=admin_actor(request))
            messages.success(request, "The note is on the timeline.")

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> None:
        """The timeline and the audit log record what happened."""

    # --- acting through the services ---

    def _confirm(self, request: HttpRequest, orders: Any) -> None:
        actor = admin_actor(request)
        self._each(request, orders, "confirmed", lambda o: confirm_order(order=o, actor=actor))

    @action(description="Confirm the selected orders", permissions=["change"])
    def confirm_orders(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._confirm(request, queryset.order_by("pk"))

    @action(
        description="Confirm",
        url_path="confirm",
        permissions=["confirm"],
        dialog=ActionDialog(
            title="Confirm this order?",
            description="It can then be fulfilled.",
            form_class=ConfirmDialogForm,
            form_submit_text="Confirm",
        ),
    )
    def confirm_detail(self, request: HttpRequest, form: Any, object_id: str) -> HttpResponse:
        self._confirm(request, Order.objects.filter(pk=object_id))
        return self._done(request, object_id)

    def has_confirm_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.has_change_permission(request) and self._is(
            object_id, [Order.Status.UNCONFIRMED]
        )

    # --- pages of their own: parcels, returns, line edits, drafts ---

    def get_urls(self):
        step = self.admin_site.admin_view(self.fulfilment_step)
        tracking = self.admin_site.admin_view(self.fulfilment_tracking)
        return_step = self.admin_site.admin_view(self.return_step)
        return [
            path(
                "<path:object_id>/fulfilments/<int:fulfilment_pk>/tracking/",
                tracking,
                name="orders_order_fulfilment_tracking",
            ),
            path(
                "<path:object_id>/returns/<int:return_pk>/<str:step>/",
                return_step,
                name="orders_order_return_step",
            ),
            path(
                "<path:object_id>/fulfilments/<int:fulfilment_pk>/<str:step>/",
                step,
                name="orders_order_fulfilment_step",
            ),
            *super().get_urls(),
        ]
