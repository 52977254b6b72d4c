"""Fulfil: pack a parcel from a warehouse, ship, deliver or cancel it, edit its tracking."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from unfold.decorators import action

from mercato.audit.admin import admin_actor
from mercato.core.errors import DomainError
from mercato.orders.admin.base import OrderAdminBase, staff_post
from mercato.orders.admin.forms import FulfilForm, TrackingForm
from mercato.orders.models import Fulfilment, Order
from mercato.orders.services import fulfilment


class FulfilPages(OrderAdminBase):
    def has_fulfil_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        return self.has_change_permission(request) and not self._is(
            object_id, [Order.Status.DRAFT, Order.Status.UNCONFIRMED]
        )

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

    @staff_post
    def fulfilment_step(
        self, request: HttpRequest, object_id: str, fulfilment_pk: int, step: str
    ) -> HttpResponse:
        """POST: ship, deliver or cancel one parcel; back to the fulfil page."""
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

    @staff_post
    def fulfilment_tracking(
        self, request: HttpRequest, object_id: str, fulfilment_pk: int
    ) -> HttpResponse:
        """POST: change a parcel's carrier and tracking (update_tracking); back to the fulfil
        page."""
        order = self._order(object_id)
        parcel = get_object_or_404(Fulfilment, pk=fulfilment_pk, order=order)
        form = TrackingForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(str(e) for e in errors)}")
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
