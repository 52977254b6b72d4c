"""Back office for shipping. Zones and methods are saved and deleted through the shipping
services (checked, audit logged); the forms run the services' checks first, so a bad value
shows on its field instead of after the save."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from mercato.audit.admin import admin_actor
from mercato.core.admin import DeletedOneByOne, form_error, refusal_shown
from mercato.core.countries import clean_countries
from mercato.core.errors import DomainError
from mercato.shipping import services
from mercato.shipping.models import ShippingMethod, ShippingRate, ShippingZone

# --- zones ----------------------------------------------------------------------------------


class ZoneForm(forms.ModelForm):
    countries = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="ISO 3166-1 alpha-2 codes separated by commas or spaces, e.g. DE, AT, FR.",
    )

    class Meta:
        model = ShippingZone
        fields = ("name", "countries", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["countries"] = ", ".join(self.instance.countries or [])

    def clean_countries(self) -> list[str]:
        raw = self.cleaned_data.get("countries") or ""
        try:
            return clean_countries(raw.replace(",", " ").split())
        except DomainError as exc:
            raise ValidationError(str(exc)) from exc


class MethodInline(TabularInline):
    """The zone's methods at a glance; each is edited on its own page (with its brackets)."""

    model = ShippingMethod
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    fields = ("name", "kind", "price", "free_above", "delivery", "is_active", "sort_order")
    readonly_fields = fields

    @display(description="Delivery (days)")
    def delivery(self, obj: ShippingMethod) -> str:
        return _days(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _zones_covering(queryset: QuerySet, country: str) -> QuerySet:
    code = country.strip().upper()
    ids = [pk for pk, codes in queryset.values_list("pk", "countries") if code in (codes or [])]
    return queryset.filter(pk__in=ids)


@admin.register(ShippingZone)
class ShippingZoneAdmin(DeletedOneByOne, ModelAdmin):
    """Saved through shipping.services.save_zone; search by name or by a country code (DE)."""

    form = ZoneForm
    list_display = ("name", "country_list", "method_count", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [MethodInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(method_total=Count("methods"))

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if len(term) == 2 and term.isalpha():  # a country code: the zones that ship there
            covering = _zones_covering(ShippingZone.objects.all(), term).values("pk")
            return queryset.filter(Q(name__icontains=term) | Q(pk__in=covering)), False
        return super().get_search_results(request, queryset, search_term)

    @display(description="Countries")
    def country_list(self, obj: ShippingZone) -> str:
        codes = obj.countries or []
        shown = ", ".join(codes[:12])
        return f"{shown} … ({len(codes)})" if len(codes) > 12 else shown

    @display(description="Methods", ordering="method_total")
    def method_count(self, obj: ShippingZone) -> int:
        return obj.method_total  # type: ignore[attr-defined]  # annotated by get_queryset

    def save_model(self, request: HttpRequest, obj: ShippingZone, form: Any, change: bool) -> None:
        with refusal_shown(request):
            saved = services.save_zone(
                actor=admin_actor(request),
                zone=ShippingZone.objects.get(pk=obj.pk) if change else None,
                changes=services.ShippingZoneChanges(
                    name=form.cleaned_data["name"],
                    countries=form.cleaned_data["countries"],
                    is_active=form.cleaned_data["is_active"],
                ),
            )
            obj.pk, obj.public_id = saved.pk, saved.public_id

    def delete_model(self, request: HttpRequest, obj: ShippingZone) -> None:
        services.delete_zone(actor=admin_actor(request), zone=obj)


# --- methods --------------------------------------------------------------------------------


class MethodForm(forms.ModelForm):
    class Meta:
        model = ShippingMethod
        fields = ("zone", *services.METHOD_FIELDS)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        candidate = ShippingMethod(**{n: data.get(n) for n in services.METHOD_FIELDS})
        try:
            services.clean_method(candidate)
        except DomainError as exc:
            raise form_error(exc, self.fields) from exc
        return data


class RateFormSet(BaseInlineFormSet):
    """Runs the bracket rules (no overlap, weights in whole grams) of the method's kind."""

    def rows(self) -> list[services.Bracket]:
        return [
            services.Bracket(
                min_value=form.cleaned_data["min_value"],
                max_value=form.cleaned_data.get("max_value"),
                price=form.cleaned_data["price"],
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        try:
            services.clean_brackets(kind=self.instance.kind, brackets=self.rows())
        except DomainError as exc:
            raise ValidationError(str(exc)) from exc


class RateInline(TabularInline):
    model = ShippingRate
    formset = RateFormSet
    extra = 1
    fields = ("min_value", "max_value", "price")
    verbose_name = "price bracket"
    verbose_name_plural = (
        "price brackets (grams for weight methods, money for order-value methods; "
        "min inclusive, max exclusive, empty max: open-ended)"
    )


def _days(method: ShippingMethod) -> str:
    low, high = method.min_delivery_days, method.max_delivery_days
    if low is None and high is None:
        return "-"
    if low == high or high is None:
        return str(low)
    return f"{low if low is not None else 0}-{high}"


@admin.register(ShippingMethod)
class ShippingMethodAdmin(DeletedOneByOne, ModelAdmin):
    """Saved with its brackets through shipping.services.save_method."""

    form = MethodForm
    list_display = (
        "name",
        "zone",
        "kind",
        "price",
        "free_above",
        "weight_limits",
        "delivery",
        "tax_class_slug",
        "is_active",
        "sort_order",
    )
    list_filter = ("kind", "is_active", "zone")
    search_fields = ("name", "description", "zone__name", "tax_class_slug")
    list_select_related = ("zone",)
    inlines = [RateInline]
    fieldsets = (
        (None, {"fields": ("zone", "name", "description", "kind", "is_active", "sort_order")}),
        ("Price", {"fields": ("price", "currency", "free_above", "tax_class_slug")}),
        (
            "Limits (inclusive; empty: none)",
            {
                "fields": (
                    ("min_weight_grams", "max_weight_grams"),
                    ("min_order_value", "max_order_value"),
                )
            },
        ),
        ("Delivery estimate (days)", {"fields": (("min_delivery_days", "max_delivery_days"),)}),
    )

    @display(description="Weight (g)")
    def weight_limits(self, obj: ShippingMethod) -> str:
        if obj.min_weight_grams is None and obj.max_weight_grams is None:
            return "-"
        return f"{obj.min_weight_grams or 0}-{obj.max_weight_grams or '∞'}"

    @display(description="Delivery (days)")
    def delivery(self, obj: ShippingMethod) -> str:
        return _days(obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing yet: save_related saves the method and its brackets in one service call."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        rates = next((fs.rows() for fs in formsets if isinstance(fs, RateFormSet)), None)
        for formset in formsets:  # the admin's change message reads these
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        data = form.cleaned_data
        with refusal_shown(request):
            saved = services.save_method(
                actor=admin_actor(request),
                method=ShippingMethod.objects.get(pk=form.instance.pk) if change else None,
                zone=data["zone"],
                changes=services.ShippingMethodChanges(
                    **{name: data[name] for name in services.METHOD_FIELDS}
                ),
                rates=rates,
            )
            form.instance.pk, form.instance.public_id = saved.pk, saved.public_id

    def delete_model(self, request: HttpRequest, obj: ShippingMethod) -> None:
        services.delete_method(actor=admin_actor(request), method=obj)
