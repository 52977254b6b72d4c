import dataclasses
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from mercato.audit.admin import admin_actor
from mercato.core.admin import (
    DeletedOneByOne,
    ReadOnlyAdmin,
    ViewOnlyAdmin,
    form_error,
    refusal_shown,
)
from mercato.core.errors import DomainError
from mercato.inventory import selectors, services
from mercato.inventory.models import InventoryItem, Reservation, Stock, StockMovement, Warehouse
from mercato.inventory.selectors import list_stocks

MOVEMENT_COLUMNS = (
    "created_at",
    "kind",
    "quantity_delta",
    "quantity_after",
    "allocated_delta",
    "allocated_after",
    "reason",
    "actor_label",
    "order_reference",
)


class WarehouseForm(forms.ModelForm):
    slug = forms.SlugField(max_length=100, required=False, help_text="Made from the name if empty.")

    def clean_countries(self) -> list[str]:
        """The JSON field takes any JSON; the service takes a list of codes."""
        countries = self.cleaned_data.get("countries") or []
        if not isinstance(countries, list) or not all(isinstance(c, str) for c in countries):
            raise ValidationError("A list of country codes.")
        return countries

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            data["country"], data["countries"] = services.clean_country_codes(
                country=data.get("country") or "", countries=data.get("countries") or []
            )
        except DomainError as exc:
            raise form_error(exc, self.fields) from exc
        return data

    class Meta:
        model = Warehouse
        fields = tuple(f.name for f in dataclasses.fields(services.WarehouseChanges))


@admin.register(Warehouse)
class WarehouseAdmin(DeletedOneByOne, ModelAdmin):
    """Saved through inventory.services.save_warehouse (codes checked, audit logged)."""

    form = WarehouseForm
    list_display = ("name", "slug", "country", "countries", "priority", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug", "city")

    def save_model(self, request: HttpRequest, obj: Warehouse, form: Any, change: bool) -> None:
        with refusal_shown(request):
            saved = services.save_warehouse(
                actor=admin_actor(request),
                warehouse=selectors.get_warehouse(public_id=obj.public_id) if change else None,
                changes=services.WarehouseChanges(**form.cleaned_data),
            )
            obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Warehouse) -> None:
        services.delete_warehouse(actor=admin_actor(request), warehouse=obj)


class StockAdjustForm(forms.ModelForm):
    """On hand is changed with a reason, through adjust_stock (ledger + audit)."""

    new_quantity = forms.IntegerField(min_value=0, max_value=services.MAX_QUANTITY)
    reason = forms.CharField(max_length=250)

    class Meta:
        model = Stock
        fields = ("warehouse", "variant")

    def clean_new_quantity(self) -> int:
        quantity = self.cleaned_data["new_quantity"]
        if self.instance.pk and quantity < self.instance.quantity_allocated:
            allocated = self.instance.quantity_allocated
            raise ValidationError(f"On hand cannot go below the {allocated} allocated to orders.")
        return quantity


class MovementInline(TabularInline):
    model = StockMovement
    extra = 0
    can_delete = False
    fields = MOVEMENT_COLUMNS
    readonly_fields = fields
    ordering = ("-created_at",)
    max_num = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LowStockFilter(admin.SimpleListFilter):
    title = "level"
    parameter_name = "level"

    def lookups(self, request: HttpRequest, model_admin: Any):
        return [("low", "Low (at or below threshold)"), ("out", "Out of stock")]

    def queryset(self, request: HttpRequest, queryset: Any):
        if (state := self.value()) in {"low", "out"}:
            ids = list_stocks(state=str(state), default_threshold=settings.LOW_STOCK_THRESHOLD)
            return queryset.filter(pk__in=ids.values("pk"))
        return queryset


@admin.register(Stock)
class StockAdmin(ModelAdmin):
    form = StockAdjustForm
    list_display = ("variant", "warehouse", "quantity", "quantity_allocated", "free", "updated_at")
    list_filter = (LowStockFilter, "warehouse")
    search_fields = ("variant__sku", "variant__product__name")
    list_select_related = ("variant", "warehouse")
    autocomplete_fields = ("variant",)
    inlines = [MovementInline]

    @display(description="Free")
    def free(self, obj: Stock) -> int:
        return obj.quantity_free

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return ("warehouse", "variant", "quantity", "quantity_allocated") if obj else ()

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            form.base_fields["new_quantity"].initial = obj.quantity
        return form

    def save_model(self, request: HttpRequest, obj: Stock, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            stock = services.adjust_stock(
                variant=obj.variant,
                warehouse=obj.warehouse,
                quantity=data["new_quantity"],
                reason=data["reason"],
                actor=admin_actor(request),
            )
            obj.pk = stock.pk
        except DomainError as exc:
            messages.error(request, str(exc))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "stock", *MOVEMENT_COLUMNS[1:])
    list_filter = ("kind", "stock__warehouse")
    search_fields = ("stock__variant__sku", "order_reference", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("stock__variant", "stock__warehouse")


@admin.register(Reservation)
class ReservationAdmin(ViewOnlyAdmin):
    list_display = (
        "reference",
        "variant",
        "quantity",
        "quantity_short",
        "expires_at",
        "created_at",
    )
    search_fields = ("reference", "variant__sku")
    list_select_related = ("variant",)


@admin.register(InventoryItem)
class InventoryItemAdmin(ModelAdmin):
    list_display = ("variant", "allow_backorders", "low_stock_threshold", "is_low")
    list_filter = ("allow_backorders", "is_low")
    search_fields = ("variant__sku",)
    autocomplete_fields = ("variant",)
    readonly_fields = ("is_low",)

    def save_model(self, request: HttpRequest, obj: InventoryItem, form: Any, change: bool) -> None:
        services.set_inventory_rules(
            variant=obj.variant,
            actor=admin_actor(request),
            allow_backorders=obj.allow_backorders,
            low_stock_threshold=obj.low_stock_threshold,
        )
