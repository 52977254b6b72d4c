"""The order admin's actions that move money, added by the payments app to the orders app's
`OrderAdmin` (orders never imports payments; decision 0010): cancel orders (a bulk action
and a button on the order page), the refund step of the returns page, and the link to the
order's payments. `OrderAdmin` here is the one registered for `Order`."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from unfold.dataclasses import ActionDialog
from unfold.decorators import action
from unfold.enums import ActionVariant

from mercato.audit.admin import admin_actor
from mercato.orders import admin as orders_admin
from mercato.orders.admin.forms import ConfirmDialogForm
from mercato.orders.admin.pages.returns import ReturnPages
from mercato.orders.models import Order, Return
from mercato.payments import services


class PaymentOrderActions(ReturnPages):
    """Cancel, refund a return, and the order's payments, for the order admin."""

    def _cancel(self, request: HttpRequest, orders: Any) -> None:
        actor = admin_actor(request)
        self._each(
            request, orders, "cancelled", lambda o: services.cancel_order(order=o, actor=actor)
        )

    @action(description="Cancel the selected orders", permissions=["change"])  # type: ignore[untyped-decorator]
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._cancel(request, queryset.order_by("pk"))

    @action(  # type: ignore[untyped-decorator]
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

    def has_view_payments_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        # A method, not the dotted "payments.view_payment": the admin theme's system check
        # looks a dotted permission up in the database, before migrate has created it.
        return request.user.has_perm("payments.view_payment")

    @action(  # type: ignore[untyped-decorator]
        description="Payments",
        url_path="payments",
        permissions=["view_payments"],
        icon="payments",
    )
    def payments_detail(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The order's payments, where staff capture, void and refund."""
        url = reverse("admin:payments_payment_changelist")
        return HttpResponseRedirect(f"{url}?order__id__exact={self._order(object_id).pk}")

    def may_refund(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.change_payment")

    def _return_call(
        self, request: HttpRequest, order_return: Return, step: str
    ) -> Callable[[], Return] | None:
        if step != "refund":
            return super()._return_call(request, order_return, step)
        if not self.may_refund(request):
            raise PermissionDenied
        refund_shipping, actor = request.POST.get("refund_shipping") == "on", admin_actor(request)
        return lambda: services.refund_return(
            order_return=order_return, refund_shipping=refund_shipping, actor=actor
        )


class OrderAdmin(PaymentOrderActions, orders_admin.OrderAdmin):
    actions = [*orders_admin.OrderAdmin.actions, "cancel_orders"]
    actions_detail = [*orders_admin.OrderAdmin.actions_detail, "payments_detail", "cancel_detail"]


admin.site.unregister(Order)
admin.site.register(Order, OrderAdmin)
