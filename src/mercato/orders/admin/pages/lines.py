"""Edit lines: change a line's quantity, remove a line, add a SKU (a draft, or a placed order
not shipped and not paid)."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from unfold.decorators import action

from mercato.audit.admin import admin_actor
from mercato.catalog.models import ProductVariant
from mercato.core.errors import DomainError
from mercato.orders.admin.base import OrderAdminBase
from mercato.orders.admin.forms import AddLineForm, LineQuantityForm
from mercato.orders.models import Order, OrderLine
from mercato.orders.services import drafts


class LinePages(OrderAdminBase):
    def has_edit_lines_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.has_change_permission(request) and self._is(
            object_id, [Order.Status.DRAFT, *drafts.EDITABLE]
        )

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
