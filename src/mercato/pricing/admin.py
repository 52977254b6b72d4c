"""Back office for tax, promotions and vouchers. Forms are checked by the same functions as
the API (services.clean_promotion, clean_voucher …) and saved through the services, so every
change is validated the same way and audit logged."""

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from mercato.audit.admin import AuditedModelAdmin, admin_actor
from mercato.core.admin import DeletedOneByOne, ReadOnlyAdmin, refusal_shown
from mercato.core.errors import DomainError
from mercato.pricing import services
from mercato.pricing.models import (
    ProductTypeTaxClass,
    Promotion,
    TaxClass,
    TaxRate,
    TaxSettings,
    Voucher,
    VoucherRedemption,
)

TARGET_FIELDS = {
    "product_ids": "products",
    "category_ids": "categories",
    "collection_ids": "collections",
}


def _form_error(form: forms.BaseForm, exc: DomainError) -> forms.ValidationError:
    """A service's refusal as a form error, on its field when the form has it."""
    for error in exc.extra.get("errors", []):
        name = TARGET_FIELDS.get(error.get("field"), error.get("field"))
        if name in form.fields:
            return forms.ValidationError({name: str(exc)})
    return forms.ValidationError(str(exc))


class ServiceSavedAdmin(DeletedOneByOne, ModelAdmin):  # type: ignore[misc]  # unfold: no hints
    """Saved and deleted only through the services; the many-to-many fields too."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


# --- tax ------------------------------------------------------------------------------------


class TaxRateForm(forms.ModelForm[TaxRate]):
    class Meta:
        model = TaxRate
        fields = ("tax_class", "country", "rate")

    def clean_country(self) -> str:
        try:
            return services.clean_country(self.cleaned_data["country"])
        except DomainError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_rate(self) -> Decimal:
        try:
            return services.clean_rate(self.cleaned_data["rate"])
        except DomainError as exc:
            raise forms.ValidationError(str(exc)) from exc


class TaxRateInline(TabularInline):  # type: ignore[misc]
    model = TaxRate
    form = TaxRateForm
    extra = 0
    fields = ("country", "rate")
    ordering = ("country",)


@admin.register(TaxClass)
class TaxClassAdmin(DeletedOneByOne, AuditedModelAdmin):
    list_display = ("slug", "name")
    search_fields = ("slug", "name")
    inlines = [TaxRateInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("slug",) if obj else ()

    def delete_model(self, request: HttpRequest, obj: TaxClass) -> None:
        with refusal_shown(request):
            services.delete_tax_class(actor=admin_actor(request), tax_class=obj)


@admin.register(TaxRate)
class TaxRateAdmin(AuditedModelAdmin):
    form = TaxRateForm
    list_display = ("country", "tax_class", "percent")
    list_filter = ("tax_class", "country")
    search_fields = ("country",)
    list_select_related = ("tax_class",)

    @display(description="Rate", ordering="rate")  # type: ignore[untyped-decorator]
    def percent(self, obj: TaxRate) -> str:
        return f"{obj.rate * 100:.2f} %"


class TaxSettingsForm(forms.ModelForm[TaxSettings]):
    class Meta:
        model = TaxSettings
        fields = services.TAX_SETTINGS_FIELDS

    def clean_origin_country(self) -> str:
        try:
            return services.clean_country(self.cleaned_data["origin_country"], "origin_country")
        except DomainError as exc:
            raise forms.ValidationError(str(exc)) from exc


@admin.register(TaxSettings)
class TaxSettingsAdmin(ModelAdmin):  # type: ignore[misc]
    """One row, saved through services.update_tax_settings."""

    form = TaxSettingsForm
    list_display = (
        "__str__",
        "prices_include_tax",
        "origin_country",
        "oss_threshold_exceeded",
        "reverse_charge_requires_destination_country",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TaxSettings, form: Any, change: bool) -> None:
        changes = {name: form.cleaned_data[name] for name in services.TAX_SETTINGS_FIELDS}
        services.update_tax_settings(
            actor=admin_actor(request), details=services.TaxSettingsDetails(**changes)
        )


@admin.register(ProductTypeTaxClass)
class ProductTypeTaxClassAdmin(ServiceSavedAdmin):
    list_display = ("product_type", "tax_class")
    list_filter = ("tax_class",)
    autocomplete_fields = ("product_type",)
    list_select_related = ("product_type", "tax_class")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("product_type",) if obj else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        link = services.set_product_type_tax_class(
            actor=admin_actor(request), product_type=obj.product_type, tax_class=obj.tax_class
        )
        assert link is not None  # the form requires a tax class
        obj.pk = link.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.set_product_type_tax_class(
            actor=admin_actor(request), product_type=obj.product_type, tax_class=None
        )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for link in queryset.select_related("product_type"):
            self.delete_model(request, link)


# --- promotions and vouchers ----------------------------------------------------------------


def _changes(
    form: forms.ModelForm[Any],
    fields: tuple[str, ...],
    targets: Mapping[str, tuple[str, type[Model], str]],
) -> dict[str, Any]:
    """The form's fields and targets (as primary keys), to build the service's input."""
    data = {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}
    for key, (m2m, *_rest) in targets.items():
        if m2m in form.cleaned_data:
            data[key] = [obj.pk for obj in form.cleaned_data[m2m]]
    return data


def _promotion_details(form: forms.ModelForm[Any]) -> services.PromotionDetails:
    changes = _changes(form, services.PROMOTION_FIELDS, services.PROMOTION_TARGETS)
    return services.PromotionDetails(**changes)


def _voucher_details(form: forms.ModelForm[Any]) -> services.VoucherDetails:
    changes = _changes(form, services.VOUCHER_FIELDS, services.VOUCHER_TARGETS)
    return services.VoucherDetails(**changes)


class PromotionForm(forms.ModelForm[Promotion]):
    class Meta:
        model = Promotion
        fields = (
            *services.PROMOTION_FIELDS,
            "products",
            "categories",
            "collections",
        )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if not self.errors:
            try:
                services.clean_promotion(copy.copy(self.instance), _promotion_details(self))
            except DomainError as exc:
                raise _form_error(self, exc) from exc
        return data


@admin.register(Promotion)
class PromotionAdmin(ServiceSavedAdmin):
    form = PromotionForm
    list_display = ("name", "kind", "value", "starts_at", "ends_at", "is_active")
    list_filter = ("is_active", "kind")
    search_fields = ("name",)
    date_hierarchy = "starts_at"
    autocomplete_fields = ("products", "categories", "collections")
    readonly_fields = ("public_id", "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: Promotion, form: Any, change: bool) -> None:
        details, actor = _promotion_details(form), admin_actor(request)
        if change:
            saved = services.update_promotion(actor=actor, promotion=obj, details=details)
        else:
            saved = services.create_promotion(actor=actor, details=details)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Promotion) -> None:
        services.delete_promotion(actor=admin_actor(request), promotion=obj)


class VoucherForm(forms.ModelForm[Voucher]):
    class Meta:
        model = Voucher
        fields = (*services.VOUCHER_FIELDS, "products", "categories")

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if not self.errors:
            try:
                voucher = copy.copy(self.instance)
                services.clean_voucher(voucher, _voucher_details(self))
            except DomainError as exc:
                raise _form_error(self, exc) from exc
            if Voucher.objects.filter(code=voucher.code).exclude(pk=self.instance.pk).exists():
                raise forms.ValidationError({"code": "Another voucher has this code."})
        return data


class RedemptionInline(TabularInline):  # type: ignore[misc]
    model = VoucherRedemption
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("created_at", "email", "user", "order_reference")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Voucher)
class VoucherAdmin(ServiceSavedAdmin):
    form = VoucherForm
    list_display = ("code", "kind", "value", "applies_to", "usage", "ends_at", "is_active")
    list_filter = ("is_active", "kind", "applies_to")
    search_fields = ("code", "name")
    autocomplete_fields = ("products", "categories")
    readonly_fields = ("public_id", "times_used", "created_at", "updated_at")
    inlines = [RedemptionInline]

    @display(description="Used")  # type: ignore[untyped-decorator]
    def usage(self, obj: Voucher) -> str:
        limit = obj.usage_limit if obj.usage_limit is not None else "∞"
        return f"{obj.times_used} / {limit}"

    def save_model(self, request: HttpRequest, obj: Voucher, form: Any, change: bool) -> None:
        details, actor = _voucher_details(form), admin_actor(request)
        if change:
            saved = services.update_voucher(actor=actor, voucher=obj, details=details)
        else:
            saved = services.create_voucher(actor=actor, details=details)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Voucher) -> None:
        with refusal_shown(request):
            services.delete_voucher(actor=admin_actor(request), voucher=obj)


@admin.register(VoucherRedemption)
class VoucherRedemptionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "voucher", "email", "user", "order_reference")
    search_fields = ("voucher__code", "email", "order_reference")
    list_select_related = ("voucher", "user")
    date_hierarchy = "created_at"
