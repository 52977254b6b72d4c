"""Returns: approve, reject and receive an order's returns. The refund step moves money, so
the payments app adds it (`payments.admin.order_actions`)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from unfold.decorators import action

from mercato.audit.admin import admin_actor
from mercato.core.errors import DomainError
from mercato.inventory.models import Warehouse
from mercato.orders.admin.base import OrderAdminBase, staff_post
from mercato.orders.models import Order, Return
from mercato.orders.services import returns


class ReturnPages(OrderAdminBase):
    def has_returns_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.has_change_permission(request) and not self._is(
            object_id, [Order.Status.DRAFT, Order.Status.UNCONFIRMED]
        )

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
            may_refund=self.may_refund(request),
        )

    def may_refund(self, request: HttpRequest) -> bool:
        """Whether the page offers the refund step (the payments app adds it)."""
        return False

    def _return_call(
        self, request: HttpRequest, order_return: Return, step: str
    ) -> Callable[[], Return] | None:
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
                item.order_line.public_id: post.get(f"restock_{item.pk}") == "on"
                for item in order_return.lines.select_related("order_line")
            }
            return lambda: returns.receive_return(
                order_return=order_return, restock=restock, warehouse=warehouse, actor=actor
            )
        messages.error(request, f"Unknown step {step!r}.")
        return None

    @staff_post
    def return_step(
        self, request: HttpRequest, object_id: str, return_pk: int, step: str
    ) -> HttpResponse:
        """POST: approve, reject, receive or refund one return; back to the returns page."""
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
