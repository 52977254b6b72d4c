from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from unfold.admin import TabularInline

from mercato.accounts.support_admin import CustomerSupportAdminMixin
from mercato.audit.admin import AuditedModelAdmin
from mercato.core.addresses import ADDRESS_FIELDS as CORE_ADDRESS_FIELDS
from mercato.core.addresses import clean_address
from mercato.core.errors import InvalidInput
from mercato.customers import services
from mercato.customers.models import Address, Customer

DEFAULT_FLAGS = {"is_default_shipping": "shipping", "is_default_billing": "billing"}
ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "line1",
    "city",
    "postal_code",
    "country",
    *DEFAULT_FLAGS,
)


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ADDRESS_FIELDS

    def clean(self) -> dict[str, Any]:
        """The address rules of the API (mercato.core.addresses), field by field."""
        super().clean()  # ModelForm's returns self.cleaned_data (typed as maybe None)
        data = self.cleaned_data
        fields = [name for name in ADDRESS_FIELDS if name not in DEFAULT_FLAGS]
        kept = {name: getattr(self.instance, name) or "" for name in CORE_ADDRESS_FIELDS}
        try:
            data.update(clean_address({**kept, **{n: data.get(n) or "" for n in fields}}))
        except InvalidInput as exc:
            for error in exc.extra.get("errors", []):
                self.add_error(
                    error["field"] if error["field"] in fields else None, error["message"]
                )
        return data


class AddressFormSet(BaseInlineFormSet):
    """At most one default of each kind; moving a default clears the old one first, as the
    address services do, so the database constraint never sees two at once."""

    def _kept_forms(self) -> list[forms.ModelForm]:
        return [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        super().clean()
        for flag, kind in DEFAULT_FLAGS.items():
            if sum(bool(form.cleaned_data.get(flag)) for form in self._kept_forms()) > 1:
                raise ValidationError(f"Only one address can be the default {kind} address.")

    def save(self, commit: bool = True) -> Any:
        if commit:
            for form in self._kept_forms():
                if form.has_changed():
                    services.take_defaults(
                        address=form.instance,
                        shipping=bool(form.cleaned_data.get("is_default_shipping")),
                        billing=bool(form.cleaned_data.get("is_default_billing")),
                    )
        return super().save(commit)


class AddressInline(TabularInline):
    model = Address
    form = AddressForm
    formset = AddressFormSet
    extra = 0
    fields = ADDRESS_FIELDS
    show_change_link = False


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ("first_name", "last_name", "phone", "marketing_opt_in", "is_active")


@admin.register(Customer)
class CustomerAdmin(CustomerSupportAdminMixin, AuditedModelAdmin):
    form = CustomerForm
    list_display = (
        "email",
        "first_name",
        "last_name",
        "email_verified_at",
        "is_active",
        "date_joined",
    )
    list_filter = (
        "is_active",
        ("email_verified_at", admin.EmptyFieldListFilter),
        "marketing_opt_in",
    )
    search_fields = ("email", "first_name", "last_name", "phone")
    date_hierarchy = "date_joined"
    ordering = ("-date_joined",)
    fields = (
        "public_id",
        "email",
        "first_name",
        "last_name",
        "phone",
        "marketing_opt_in",
        "is_active",
        "email_verified_at",
        "date_joined",
        "last_login",
        "erased_at",
    )
    # The email is the customer's login: they change it themselves (PATCH /api/store/me), which
    # verifies the new address and tells the old one. Staff cannot change it behind their back:
    # "Request an email change" (CustomerSupportAdminMixin) sends the new address a link.
    readonly_fields = (
        "public_id",
        "email",
        "email_verified_at",
        "date_joined",
        "last_login",
        "erased_at",
    )
    inlines = [AddressInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # customers register themselves; staff use "Users" for other accounts
