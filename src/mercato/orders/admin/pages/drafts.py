"""Drafts: create a draft order for a customer (a button on the list) and finalise it."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from unfold.dataclasses import ActionDialog
from unfold.decorators import action

from mercato.audit.admin import admin_actor
from mercato.core.errors import DomainError
from mercato.orders.admin.base import OrderAdminBase
from mercato.orders.admin.forms import ConfirmDialogForm, DraftForm
from mercato.orders.models import Order
from mercato.orders.services import drafts


class DraftPages(OrderAdminBase):
    def has_finalise_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.has_change_permission(request) and self._is(object_id, [Order.Status.DRAFT])

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
