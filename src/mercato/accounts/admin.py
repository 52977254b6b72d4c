from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from unfold.admin import ModelAdmin
from unfold.decorators import action
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from mercato.accounts import services
from mercato.accounts.authentication import Principal, admin_site_user
from mercato.accounts.models import ApiKey, App, AuthSession, User
from mercato.accounts.support_admin import CustomerSupportAdminMixin
from mercato.audit.admin import AuditedModelAdmin, admin_actor
from mercato.core.admin import ReadOnlyInline

admin.site.unregister(Group)

ACCESS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def held_permissions(user: User) -> QuerySet[Permission]:
    """The permissions a staff member holds, directly or through a group."""
    if user.is_superuser:
        return Permission.objects.all()
    return Permission.objects.filter(Q(user=user) | Q(group__user=user)).distinct()


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, AuditedModelAdmin):
    pass


class StaffCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("email",)


class StaffChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(CustomerSupportAdminMixin, BaseUserAdmin, AuditedModelAdmin):
    """A customer's email and password are never typed here (CustomerSupportAdminMixin)."""

    form = StaffChangeForm
    add_form = StaffCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ("-date_joined",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "first_name", "last_name", "phone")
    readonly_fields = ("public_id", "date_joined", "last_login", "email_verified_at", "erased_at")
    fieldsets = (
        (None, {"fields": ("public_id", "email", "password")}),
        ("Personal", {"fields": ("first_name", "last_name", "phone", "marketing_opt_in")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("date_joined", "last_login", "email_verified_at", "erased_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")

    # Only a superuser grants access: whoever may edit customers (Customer support) must not
    # be able to make anyone staff or superuser, or take over a staff account.
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else (*fields, *ACCESS_FIELDS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_staff and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_staff and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


class ApiKeyInline(ReadOnlyInline):
    model = ApiKey
    fields = ("name", "prefix", "created_at", "last_used_at", "last_used_ip", "revoked_at")


@admin.register(App)
class AppAdmin(AuditedModelAdmin):
    list_display = ("name", "is_active", "created_at", "created_by")
    list_filter = ("is_active",)
    search_fields = ("name",)
    filter_horizontal = ("permissions",)
    readonly_fields = ("public_id", "created_by", "created_at")
    fields = ("public_id", "name", "is_active", "permissions", "created_by", "created_at")
    inlines = [ApiKeyInline]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "permissions":  # no more than the editor holds, as in the API
            held = held_permissions(admin_site_user(request))
            kwargs["queryset"] = held.select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: App, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = admin_site_user(request)
        super().save_model(request, obj, form, change)


class ApiKeyCreationForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("app", "name")


class RevokeOnlyAdmin(ModelAdmin):
    """Rows that are revoked, never deleted: the row stays what the audit log points at.
    The revoke action calls the service for each selected row (each one audited)."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _revoke_each(
        self, request: HttpRequest, queryset: Any, revoke: Callable[[Any], object], done: str
    ) -> None:
        for obj in queryset:
            revoke(obj)
        messages.success(request, done)


@admin.register(ApiKey)
class ApiKeyAdmin(RevokeOnlyAdmin):
    """Keys are made and revoked here through the same services as the admin API; the secret
    is shown once, in the message after saving."""

    list_display = ("app", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("app", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("app__name", "name", "prefix")
    readonly_fields = (
        "app",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
    )
    actions = ["revoke_keys"]

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        if obj is None:
            kwargs["form"] = ApiKeyCreationForm
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "app" and not request.user.is_superuser:
            # only apps whose permissions the editor holds: a key acts with all of them
            not_held = Permission.objects.exclude(pk__in=held_permissions(admin_site_user(request)))
            kwargs["queryset"] = App.objects.exclude(permissions__in=not_held)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        return self.readonly_fields if obj else ()

    def get_fields(self, request: HttpRequest, obj: Any = None):
        return self.readonly_fields if obj else ("app", "name")

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            return
        api_key, secret = services.create_api_key(
            app=obj.app,
            name=obj.name,
            actor=admin_actor(request),
            creator=Principal(user=admin_site_user(request)),
        )
        obj.pk = api_key.pk
        messages.warning(
            request, f"API key for {obj.app}: {secret}  (shown this once; copy it now)"
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @action(description="Revoke the selected keys", permissions=["revoke"])
    def revoke_keys(self, request: HttpRequest, queryset: Any) -> None:
        actor = admin_actor(request)
        self._revoke_each(
            request,
            queryset,
            lambda api_key: services.revoke_api_key(api_key=api_key, actor=actor),
            f"{queryset.count()} key(s) revoked.",
        )

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_apikey")


@admin.register(AuthSession)
class AuthSessionAdmin(RevokeOnlyAdmin):
    list_display = ("user", "audience", "created_at", "last_used_at", "ip_address", "revoked_at")
    list_filter = ("audience", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "ip_address")
    readonly_fields = [field.name for field in AuthSession._meta.fields]
    actions = ["revoke_sessions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @action(description="Sign out the selected sessions", permissions=["change"])
    def revoke_sessions(self, request: HttpRequest, queryset: Any) -> None:
        self._revoke_each(
            request,
            queryset,
            lambda session: services.revoke_session(session=session, reason="staff"),
            "Sessions signed out.",
        )
