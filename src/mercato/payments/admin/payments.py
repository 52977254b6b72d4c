"""Back office: payments, their transactions and the webhook log, read-only. Capture, void,
refund and mark paid are actions that call the same services as the admin API."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from mercato.audit.admin import admin_actor
from mercato.core.admin import ReadOnlyAdmin
from mercato.core.errors import DomainError
from mercato.payments import services
from mercato.payments.models import Payment, Transaction, WebhookDelivery


class TransactionInline(TabularInline):  # type: ignore[misc]  # unfold has no types
    model = Transaction
    extra = 0
    can_delete = False
    fields = (
        "created_at",
        "kind",
        "amount",
        "success",
        "error_code",
        "reference",
        "reason",
        "actor_label",
        "provider_reference",
    )
    readonly_fields = fields
    ordering = ("-created_at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ModelAdmin):  # type: ignore[misc]  # unfold has no types
    list_display = (
        "public_id",
        "order",
        "provider",
        "status",
        "amount",
        "captured_amount",
        "refunded_amount",
        "currency",
        "card",
        "created_at",
    )
    list_filter = ("status", "provider", "created_at")
    search_fields = ("public_id", "order__number", "provider_reference")
    list_select_related = ("order",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Payment._meta.fields if f.name != "id"]
    inlines = [TransactionInline]
    actions = ["capture_rest", "void_rest", "refund_all", "mark_paid_in_full"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @display(description="Card")  # type: ignore[untyped-decorator]
    def card(self, obj: Payment) -> str:
        return f"{obj.card_brand} ···{obj.card_last4}" if obj.card_last4 else "—"

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Payment],
        verb: str,
        service: Callable[..., Transaction],
        **arguments: Any,
    ) -> None:
        """`service(payment=…, actor=…, **arguments)` for each selected payment, with one
        message for those done and one for each refused or declined."""
        actor, done = admin_actor(request), 0
        for payment in queryset.order_by("pk"):
            try:
                txn = service(payment=payment, actor=actor, **arguments)
            except DomainError as exc:
                messages.error(request, f"{payment.public_id}: {exc} ({exc.code})")
                continue
            if not txn.success:
                messages.error(
                    request, f"{payment.public_id}: {txn.error_message or txn.error_code}"
                )
                continue
            done += 1
        if done:
            messages.success(request, f"{done} payment(s) {verb}.")

    @action(  # type: ignore[untyped-decorator]
        description="Capture what is left of the selected payments", permissions=["change"]
    )
    def capture_rest(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._each(request, queryset, "captured", services.capture_payment)

    @action(  # type: ignore[untyped-decorator]
        description="Void (release) what is not captured", permissions=["change"]
    )
    def void_rest(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._each(request, queryset, "voided", services.void_payment, reason="back office")

    @action(description="Refund everything captured", permissions=["change"])  # type: ignore[untyped-decorator]
    def refund_all(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._each(request, queryset, "refunded", services.refund_payment, reason="back office")

    @action(  # type: ignore[untyped-decorator]
        description="Mark paid in full (manual payments)", permissions=["change"]
    )
    def mark_paid_in_full(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._each(request, queryset, "marked paid", services.mark_paid)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    """Every webhook received, accepted or refused (a refused one keeps no body)."""

    list_display = (
        "received_at",
        "provider",
        "event_type",
        "event_id",
        "signature_ok",
        "processed",
        "outcome",
    )
    list_filter = ("provider", "signature_ok", "processed", "received_at")
    search_fields = ("event_id", "event_type", "body_sha256")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields if f.name != "id"]
