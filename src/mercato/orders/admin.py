"""The orders back office: the list with filters and search, and the order page with its
lines, parcels, returns and timeline (all read-only: what an order holds only changes through
the services). Staff act through the same services as the API: confirm, cancel (bulk actions
and buttons on the order page), and a note on the timeline from the order page's form."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from unfold.admin import ModelAdmin, TabularInline
from unfold.dataclasses import ActionDialog
from unfold.decorators import action, display
from unfold.enums import ActionVariant
from unfold.forms import BaseDialogForm

from mercato.audit.admin import admin_actor
from mercato.core.errors import DomainError
from mercato.orders.models import Fulfilment, Order, OrderEvent, OrderLine, Return
from mercato.orders.services.placement import confirm_order
from mercato.orders.services.status import add_note


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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


class OrderForm(forms.ModelForm):
    """Every column of an order is read-only here; the one thing typed on the page is a
    staff note for the timeline."""

    new_note = forms.CharField(
        label="Add a note to the timeline",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Staff only; the customer never sees it.",
    )

    class Meta:
        model = Order
        fields: tuple[str, ...] = ()


class ConfirmDialogForm(BaseDialogForm):
    """Nothing to type: the dialog asks to confirm a step (posted with the CSRF token)."""


ORDER_FIELDS = [f.name for f in Order._meta.fields if f.name not in {"id", "guest_token"}]


@admin.register(Order)
class OrderAdmin(ModelAdmin):
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
    list_filter = ("status", "payment_status", "origin", "reverse_charge", "created_at")
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
                    "subtotal_net", "subtotal_gross", "discount_total", "voucher_code",
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
    actions = ["confirm_orders", "cancel_orders"]
    actions_detail = ["confirm_detail", "cancel_detail"]

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

    def _each(self, request: HttpRequest, orders: Any, verb: str, run: Any) -> None:
        done, failed = 0, []
        for order in orders:
            try:
                run(order)
                done += 1
            except DomainError as exc:
                failed.append(f"#{order.number}: {exc}")
        if done:
            messages.success(request, f"{done} order(s) {verb}.")
        for failure in failed:
            messages.error(request, failure)

    def _confirm(self, request: HttpRequest, orders: Any) -> None:
        actor = admin_actor(request)
        self._each(request, orders, "confirmed", lambda o: confirm_order(order=o, actor=actor))

    def _cancel(self, request: HttpRequest, orders: Any) -> None:
        # built by the fulfilment work; imported when used so the page works without it
        from mercato.orders.services.cancellation import cancel_order

        actor = admin_actor(request)
        self._each(request, orders, "cancelled", lambda o: cancel_order(order=o, actor=actor))

    @action(description="Confirm the selected orders", permissions=["change"])
    def confirm_orders(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._confirm(request, queryset.order_by("pk"))

    @action(description="Cancel the selected orders", permissions=["change"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._cancel(request, queryset.order_by("pk"))

    def _done(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Back to the order page (the dialog posts through htmx, which follows HX-Redirect)."""
        url = reverse("admin:orders_order_change", args=[object_id])
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return HttpResponseRedirect(url)

    @action(
        description="Confirm",
        url_path="confirm",
        permissions=["change"],
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

    @action(
        description="Cancel order",
        url_path="cancel",
        permissions=["change"],
        variant=ActionVariant.DANGER,
        dialog=ActionDialog(
            title="Cancel this order?",
            description="Its stock goes back and its payments are voided or refunded.",
            form_class=ConfirmDialogForm,
            form_submit_text="Cancel the order",
        ),
    )
    def cancel_detail(self, request: HttpRequest, form: Any, object_id: str) -> HttpResponse:
        self._cancel(request, Order.objects.filter(pk=object_id))
        return self._done(request, object_id)
