"""What every order page shares: run a service over orders and report, find the order,
render a page of its own, show a refused step, check a posted step."""

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.admin import ModelAdmin

from mercato.core.errors import DomainError
from mercato.orders.models import Order

View = Callable[..., HttpResponse]


def staff_post(view: View) -> View:
    """A step posted from an order page: 405 for another method, 403 without the change
    permission."""

    @functools.wraps(view)
    def checked(self: "OrderAdminBase", request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        return view(self, request, *args, **kwargs)

    return checked


class OrderAdminBase(ModelAdmin):
    """The helpers of the order pages (`pages/`) and of `OrderAdmin`."""

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

    def _done(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Back to the order page (the dialog posts through htmx, which follows HX-Redirect)."""
        url = reverse("admin:orders_order_change", args=[object_id])
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return HttpResponseRedirect(url)

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
