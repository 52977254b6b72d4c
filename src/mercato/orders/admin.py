"""The orders back office: the list with filters and search, and the order page with its
lines, parcels, returns and timeline (all read-only: what an order holds only changes through
the services). Staff act through the same services as the API: confirm, cancel (bulk actions
and buttons on the order page), a note on the timeline from the order page's form, and pages
of their own (buttons on the order page) to pack a parcel and move it along (ship, deliver,
cancel, edit its tracking), to approve, reject, receive and refund the order's returns, to
edit the lines of a draft or a not yet shipped order, to finalise a draft, and to create a
draft order for a customer (a button on the list). Payments are captured, voided
and refunded on the payments pages, linked from the order page."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.admin import ModelAdmin, TabularInline
from unfold.dataclasses import ActionDialog
from unfold.decorators import action, display
from unfold.enums import ActionVariant
from unfold.forms import BaseDialogForm
from unfold.widgets import (
    UnfoldAdminEmailInputWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from mercato.accounts.models import User
from mercato.audit.admin import admin_actor
from mercato.catalog.models import ProductVariant
from mercato.core.addresses import ADDRESS_FIELDS
from mercato.core.errors import DomainError
from mercato.inventory.models import Warehouse
from mercato.orders.models import Fulfilment, Order, OrderEvent, OrderLine, Return
from mercato.orders.services import drafts, fulfilment, returns
from mercato.orders.services.placement import confirm_order
from mercato.orders.services.status import add_note
from mercato.shipping.models import ShippingMethod


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


def _text(label: str, *, required: bool = False, max_length: int = 200, **kw: Any):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=UnfoldAdminTextInputWidget(),
        **kw,
    )


def _units(label: str, *, initial: int = 0, max_value: int = 10_000, min_value: int = 0):
    return forms.IntegerField(
        label=label,
        initial=initial,
        min_value=min_value,
        max_value=max_value,
        required=False,
        widget=UnfoldAdminIntegerFieldWidget(),
    )


class FulfilForm(forms.Form):
    """A parcel: the warehouse it leaves, its tracking, and how many units of each line go in
    (by default what is left to fulfil; 0 leaves a line out)."""

    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.order_by("name"), widget=UnfoldAdminSelectWidget()
    )
    carrier = _text("Carrier", max_length=100)
    tracking_number = _text("Tracking number", max_length=100)
    tracking_url = _text("Tracking URL", max_length=500)

    def __init__(self, *args: Any, lines: list[OrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            left = line.quantity - line.quantity_fulfilled
            self.fields[f"line_{line.pk}"] = _units(
                f"{line.sku} · {line.product_name} {line.variant_name}".strip()
                + f" ({left} of {line.quantity} left)",
                initial=left,
            )

    def line_fields(self) -> list[forms.BoundField]:
        return [self[f"line_{line.pk}"] for line in self.lines]

    def head_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("warehouse", "carrier", "tracking_number", "tracking_url")]

    def chosen(self) -> list[tuple[OrderLine, int]]:
        return [
            (line, self.cleaned_data[f"line_{line.pk}"])
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        ]


class TrackingForm(forms.Form):
    """A parcel's carrier and tracking; the service checks the values (the URL's scheme)."""

    carrier = _text("Carrier", max_length=100)
    tracking_number = _text("Tracking number", max_length=100)
    tracking_url = _text("Tracking URL", max_length=500)


DRAFT_LINE_ROWS = 5


class DraftForm(forms.Form):
    """A draft order for a customer (a phone order): who, where to, how, and what (SKUs)."""

    email = forms.EmailField(
        label="Customer email", required=False, widget=UnfoldAdminEmailInputWidget()
    )
    customer_id = forms.IntegerField(
        label="Customer account id",
        required=False,
        min_value=1,
        widget=UnfoldAdminIntegerFieldWidget(),
        help_text="Optional; the email is taken from the account when left empty.",
    )
    shipping_method = forms.ModelChoiceField(
        queryset=ShippingMethod.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=UnfoldAdminSelectWidget(),
    )
    voucher_code = _text("Voucher code", max_length=64)
    note = forms.CharField(
        label="Customer note",
        required=False,
        max_length=5000,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ADDRESS_FIELDS:
            self.fields[f"ship_{name}"] = _text(
                "Shipping " + name.replace("_", " ").replace("line", "address line "),
                max_length=200,
            )
        for i in range(1, DRAFT_LINE_ROWS + 1):
            self.fields[f"sku_{i}"] = _text(f"SKU {i}", max_length=100)
            self.fields[f"quantity_{i}"] = _units(f"Quantity {i}", initial=1, min_value=1)

    def customer_fields(self) -> list[forms.BoundField]:
        names = ("email", "customer_id", "shipping_method", "voucher_code", "note")
        return [self[name] for name in names]

    def address_fields(self) -> list[forms.BoundField]:
        return [self[f"ship_{name}"] for name in ADDRESS_FIELDS]

    def line_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"sku_{i}"], self[f"quantity_{i}"]) for i in range(1, DRAFT_LINE_ROWS + 1)]

    def clean_customer_id(self) -> User | None:
        pk = self.cleaned_data.get("customer_id")
        if pk is None:
            return None
        user = User.objects.filter(pk=pk).first()
        if user is None:
            raise forms.ValidationError("No customer account with this id.")
        return user

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        skus = {
            i: data.get(f"sku_{i}", "").strip()
            for i in range(1, DRAFT_LINE_ROWS + 1)
            if data.get(f"sku_{i}", "").strip()
        }
        found = {
            v.sku: v
            for v in ProductVariant.objects.filter(sku__in=skus.values()).select_related("product")
        }
        lines = []
        for i, sku in skus.items():
            if sku not in found:
                self.add_error(f"sku_{i}", "No variant with this SKU.")
            elif data.get(f"quantity_{i}") is None:
                self.add_error(f"quantity_{i}", "How many?")
            else:
                lines.append((found[sku], data[f"quantity_{i}"]))
        data["lines"] = lines
        address = {name: data.get(f"ship_{name}", "").strip() for name in ADDRESS_FIELDS}
        data["shipping_address"] = (
            {k: v for k, v in address.items() if v} if any(address.values()) else None
        )
        if not data.get("email") and not data.get("customer_id"):
            self.add_error("email", "Give the customer's email or account id.")
        return data


class LineQuantityForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput())
    quantity = _units("Quantity", min_value=1)


class AddLineForm(forms.Form):
    sku = _text("SKU", required=True, max_length=100)
    quantity = _units("Quantity", initial=1, min_value=1)


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
    actions = ["confirm_orders", "cancel_orders"]
    actions_detail = [
        "confirm_detail",
        "finalise_detail",
        "fulfil_detail",
        "returns_detail",
        "lines_detail",
        "payments_detail",
        "cancel_detail",
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

    # --- pages of their own: parcels, line edits, drafts ---

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

    def _order(self, object_id: str) -> Order:
        return get_object_or_404(Order, pk=object_id)

    def _page(
        self, request: HttpRequest, template: str, title: str, order: Order | None = None, **more
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "order": order,
            "order_url": (reverse("admin:orders_order_change", args=[order.pk]) if order else None),
            **more,
        }
        return TemplateResponse(request, f"admin/orders/{template}", context)

    def _failed(self, request: HttpRequest, exc: DomainError) -> None:
        messages.error(request, f"{exc} ({exc.code})")

    def _is(self, object_id: Any, statuses: Any) -> bool:
        return (
            object_id is not None
            and Order.objects.filter(pk=object_id, status__in=statuses).exists()
        )

    def has_confirm_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.has_change_permission(request) and self._is(
            object_id, [Order.Status.UNCONFIRMED]
        )

    def has_finalise_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.has_change_permission(request) and self._is(object_id, [Order.Status.DRAFT])

    def has_fulfil_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.has_change_permission(request) and not self._is(
            object_id, [Order.Status.DRAFT, Order.Status.UNCONFIRMED]
        )

    def has_returns_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.has_change_permission(request) and not self._is(
            object_id, [Order.Status.DRAFT, Order.Status.UNCONFIRMED]
        )

    def has_edit_lines_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.has_change_permission(request) and self._is(
            object_id, [Order.Status.DRAFT, *drafts.EDITABLE]
        )

    def has_view_payments_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        # A method, not the dotted "payments.view_payment": the admin theme's system check
        # looks a dotted permission up in the database, before migrate has created it.
        return request.user.has_perm("payments.view_payment")

    def has_create_draft_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.add_order") and self.has_change_permission(request)

    @action(
        description="Finalise draft",
        url_path="finalise",
        permissions=["finalise"],
        dialog=ActionDialog(
            title="Place this draft order?",
            description="Prices, stock and shipping are checked again and the stock is "
            "allocated; the customer gets the order confirmation.",
            form_class=ConfirmDialogForm,
            form_submit_text="Finalise",
        ),
    )
    def finalise_detail(self, request: HttpRequest, form: Any, object_id: str) -> HttpResponse:
        order = self._order(object_id)
        try:
            drafts.finalise_draft(order=order, actor=admin_actor(request))
        except DomainError as exc:
            self._failed(request, exc)
        else:
            messages.success(request, f"Order #{order.number} is placed.")
        return self._done(request, object_id)

    @action(
        description="Payments",
        url_path="payments",
        permissions=["view_payments"],
        icon="payments",
    )
    def payments_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The order's payments, where staff capture, void and refund."""
        url = reverse("admin:payments_payment_changelist")
        return HttpResponseRedirect(f"{url}?order__id__exact={self._order(object_id).pk}")

    @action(description="Fulfil", url_path="fulfil", permissions=["fulfil"], icon="local_shipping")
    def fulfil_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Pack a parcel (create_fulfilment), and ship, deliver or cancel the parcels."""
        order = self._order(object_id)
        lines = list(order.lines.order_by("id"))
        form = FulfilForm(request.POST or None, lines=lines)
        if request.method == "POST" and form.is_valid():
            chosen = form.chosen()
            if not chosen:
                messages.error(request, "Put at least one unit in the parcel.")
            else:
                try:
                    parcel = fulfilment.create_fulfilment(
                        order=order,
                        warehouse=form.cleaned_data["warehouse"],
                        lines=chosen,
                        carrier=form.cleaned_data["carrier"],
                        tracking_number=form.cleaned_data["tracking_number"],
                        tracking_url=form.cleaned_data["tracking_url"],
                        actor=admin_actor(request),
                    )
                except DomainError as exc:
                    self._failed(request, exc)
                else:
                    messages.success(request, f"Fulfilment {parcel.number} created.")
                    return HttpResponseRedirect(request.path)
        parcels = order.fulfilments.select_related("warehouse").prefetch_related(
            "lines__order_line"
        )
        return self._page(
            request,
            "fulfil.html",
            f"Fulfil order #{order.number}",
            order,
            form=form,
            parcels=parcels.order_by("number"),
            steps=fulfilment.FULFILMENT_TRANSITIONS,
        )

    @staticmethod
    def _step_call(step: str):
        return {
            "ship": lambda f, actor: fulfilment.mark_shipped(fulfilment=f, actor=actor),
            "deliver": lambda f, actor: fulfilment.mark_delivered(fulfilment=f, actor=actor),
            "cancel": lambda f, actor: fulfilment.cancel_fulfilment(fulfilment=f, actor=actor),
        }.get(step)

    def fulfilment_step(
        self, request: HttpRequest, object_id: str, fulfilment_pk: int, step: str
    ) -> HttpResponse:
        """POST: ship, deliver or cancel one parcel; back to the fulfil page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        call = self._step_call(step)
        order = self._order(object_id)
        parcel = get_object_or_404(Fulfilment, pk=fulfilment_pk, order=order)
        if call is None:
            messages.error(request, f"Unknown step {step!r}.")
        else:
            try:
                call(parcel, admin_actor(request))
            except DomainError as exc:
                self._failed(request, exc)
            else:
                parcel.refresh_from_db()
                messages.success(request, f"Fulfilment {parcel.number} is {parcel.status}.")
        return HttpResponseRedirect(reverse("admin:orders_order_fulfil_detail", args=[order.pk]))

    def fulfilment_tracking(
        self, request: HttpRequest, object_id: str, fulfilment_pk: int
    ) -> HttpResponse:
        """POST: change a parcel's carrier and tracking (update_tracking); back to the fulfil
        page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        order = self._order(object_id)
        parcel = get_object_or_404(Fulfilment, pk=fulfilment_pk, order=order)
        form = TrackingForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(errors)}")
        else:
            try:
                fulfilment.update_tracking(
                    fulfilment=parcel, actor=admin_actor(request), **form.cleaned_data
                )
            except DomainError as exc:
                self._failed(request, exc)
            else:
                messages.success(request, f"Tracking of fulfilment {parcel.number} saved.")
        return HttpResponseRedirect(reverse("admin:orders_order_fulfil_detail", args=[order.pk]))

    @action(
        description="Returns", url_path="returns", permissions=["returns"], icon="assignment_return"
    )
    def returns_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The order's returns with their lines; approve, reject, receive and refund them."""
        order = self._order(object_id)
        found = order.returns.prefetch_related("lines__order_line", "lines__warehouse").order_by(
            "number"
        )
        return self._page(
            request,
            "returns.html",
            f"Returns of order #{order.number}",
            order,
            returns=found,
            warehouses=Warehouse.objects.order_by("name"),
            may_refund=request.user.has_perm("payments.change_payment"),
        )

    def _return_call(self, request: HttpRequest, order_return: Return, step: str):
        post, actor = request.POST, admin_actor(request)
        if step == "approve":
            return lambda: returns.approve_return(
                order_return=order_return, actor=actor, note=post.get("note", "")
            )
        if step == "reject":
            return lambda: returns.reject_return(
                order_return=order_return, actor=actor, note=post.get("note", "")
            )
        if step == "receive":
            warehouse = None
            if post.get("warehouse"):
                if post["warehouse"].isdigit():
                    warehouse = Warehouse.objects.filter(pk=post["warehouse"]).first()
                if warehouse is None:
                    messages.error(request, "Choose a warehouse from the list.")
                    return None
            restock = {
                item.order_line: post.get(f"restock_{item.pk}") == "on"
                for item in order_return.lines.select_related("order_line")
            }
            return lambda: returns.receive_return(
                order_return=order_return, restock=restock, warehouse=warehouse, actor=actor
            )
        if step == "refund":
            if not request.user.has_perm("payments.change_payment"):
                raise PermissionDenied
            return lambda: returns.refund_return(
                order_return=order_return,
                refund_shipping=post.get("refund_shipping") == "on",
                actor=actor,
            )
        messages.error(request, f"Unknown step {step!r}.")
        return None

    def return_step(
        self, request: HttpRequest, object_id: str, return_pk: int, step: str
    ) -> HttpResponse:
        """POST: approve, reject, receive or refund one return; back to the returns page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        order = self._order(object_id)
        order_return = get_object_or_404(Return, pk=return_pk, order=order)
        call = self._return_call(request, order_return, step)
        if call is not None:
            try:
                done = call()
            except DomainError as exc:
                self._failed(request, exc)
            else:
                messages.success(request, f"Return {done.number} is {done.status}.")
        return HttpResponseRedirect(reverse("admin:orders_order_returns_detail", args=[order.pk]))

    @action(description="Edit lines", url_path="lines", permissions=["edit_lines"], icon="edit")
    def lines_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Change a line's quantity, remove a line, or add a SKU (a draft, or a placed order
        not shipped and not paid)."""
        order = self._order(object_id)
        add_form = AddLineForm(request.POST if request.POST.get("op") == "add" else None)
        if request.method == "POST" and self._edit(request, order, add_form):
            return HttpResponseRedirect(request.path)
        lines = list(order.lines.order_by("id"))
        rows = [
            (
                line,
                LineQuantityForm(
                    initial={"line": line.pk, "quantity": line.quantity}, auto_id=False
                ),
            )
            for line in lines
        ]
        return self._page(
            request,
            "lines.html",
            f"Lines of order #{order.number}",
            order,
            rows=rows,
            add_form=add_form,
        )

    def _edit(self, request: HttpRequest, order: Order, add_form: AddLineForm) -> bool:
        """One line edit posted from the lines page; True when it went through."""
        op, actor = request.POST.get("op"), admin_actor(request)
        try:
            if op == "add":
                if not add_form.is_valid():
                    return False
                sku = add_form.cleaned_data["sku"].strip()
                variant = ProductVariant.objects.filter(sku=sku).first()
                if variant is None:
                    add_form.add_error("sku", "No variant with this SKU.")
                    return False
                drafts.add_order_line(
                    order=order,
                    actor=actor,
                    variant=variant,
                    quantity=add_form.cleaned_data["quantity"] or 1,
                )
            elif op in {"change", "remove"}:
                form = LineQuantityForm(request.POST)
                if op == "remove":
                    form.fields["quantity"].required = False
                if not form.is_valid():
                    messages.error(request, "Give a quantity of 1 or more.")
                    return False
                line = get_object_or_404(OrderLine, pk=form.cleaned_data["line"], order=order)
                if op == "change":
                    if form.cleaned_data["quantity"] is None:
                        messages.error(request, "Give a quantity of 1 or more.")
                        return False
                    drafts.change_order_line(
                        order=order, actor=actor, line=line, quantity=form.cleaned_data["quantity"]
                    )
                else:
                    drafts.remove_order_line(order=order, actor=actor, line=line)
            else:
                messages.error(request, "Unknown change.")
                return False
        except DomainError as exc:
            self._failed(request, exc)
            return False
        messages.success(request, "The lines are changed and the order priced again.")
        return True

    @action(description="Create draft order", url_path="create-draft", permissions=["create_draft"])
    def create_draft(self, request: HttpRequest) -> HttpResponse:
        """A draft order for a customer; it then opens for line edits and finalising."""
        form = DraftForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            method = data.get("shipping_method")
            try:
                order = drafts.create_draft_order(
                    actor=admin_actor(request),
                    user=data.get("customer_id"),
                    email=data.get("email") or "",
                    lines=data["lines"],
                    shipping_address=data["shipping_address"],
                    shipping_method_id=str(method.public_id) if method else None,
                    voucher_code=data.get("voucher_code") or "",
                    note=data.get("note") or "",
                )
            except DomainError as exc:
                self._failed(request, exc)
            else:
                messages.success(request, f"Draft order #{order.number} created.")
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        return self._page(request, "draft.html", "Create a draft order", form=form)
