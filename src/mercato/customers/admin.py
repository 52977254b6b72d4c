from django.contrib import admin
from django.http import HttpRequest
from unfold.admin import TabularInline

from mercato.audit.admin import AuditedModelAdmin
from mercato.customers.models import Address, Customer


class AddressInline(TabularInline):
    model = Address
    extra = 0
    fields = (
        "first_name",
        "last_name",
        "line1",
        "city",
        "postal_code",
        "country",
        "is_default_shipping",
        "is_default_billing",
    )
    show_change_link = False


@admin.register(Customer)
class CustomerAdmin(AuditedModelAdmin):
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
    readonly_fields = ("public_id", "email_verified_at", "date_joined", "last_login", "erased_at")
    inlines = [AddressInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # customers register themselves; staff use "Users" for other accounts
