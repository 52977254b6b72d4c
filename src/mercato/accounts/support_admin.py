"""The back office's part of customer support (mercato.accounts.support): on a customer's page
nobody, a superuser included, can type a new password or email. The page offers "Send a
password reset" and "Request an email change" instead, which call the same services as the
admin API. Used by the Users page and the Customers page."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from unfold.dataclasses import ActionDialog
from unfold.decorators import action
from unfold.forms import BaseDialogForm
from unfold.widgets import UnfoldAdminEmailInputWidget

from mercato.accounts import support
from mercato.accounts.models import User
from mercato.audit.admin import admin_actor
from mercato.core.errors import DomainError

CREDENTIAL_FIELDS = ("email", "password")


def is_customer(obj: Any) -> bool:
    return obj is not None and obj.pk is not None and not obj.is_staff


class PasswordResetDialogForm(BaseDialogForm):
    """Nothing to type: staff never choose the password."""


class EmailChangeDialogForm(BaseDialogForm):
    email = forms.EmailField(
        label="New email address",
        max_length=254,
        widget=UnfoldAdminEmailInputWidget(),
        help_text="It receives a confirmation link; the email changes when it is followed.",
    )


if TYPE_CHECKING:  # what the mixin is put before; at run time it is a plain class
    from django.contrib.auth.admin import UserAdmin

    _AdminBase = UserAdmin[Any]
else:
    _AdminBase = object


class CustomerSupportAdminMixin(_AdminBase):
    """Put before the ModelAdmin base of a page showing customer accounts (pk = User pk)."""

    actions_detail = ["send_password_reset_detail", "request_email_change_detail"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if is_customer(obj) and "email" not in fields:
            fields = (*fields, "email")
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        fieldsets = super().get_fieldsets(request, obj)
        if not is_customer(obj):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        """Django's "set password" page, refused for customers (they get a reset link)."""
        if is_customer(User.objects.filter(pk=id).first() if str(id).isdigit() else None):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_support_permission(self, request: HttpRequest, object_id: Any = None) -> bool:
        if not request.user.has_perm("accounts.change_user") or not str(object_id).isdigit():
            return False
        return User.objects.filter(pk=object_id, is_staff=False, is_active=True).exists()

    def _customer(self, object_id: str) -> User:
        return User.objects.get(pk=object_id, is_staff=False)

    def _back_to_page(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Back to the customer's page (the dialog posts through htmx: HX-Redirect)."""
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return HttpResponseRedirect(url)

    def _run(self, request: HttpRequest, done: str, call: Any) -> None:
        try:
            call()
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)

    @action(
        description="Send a password reset",
        url_path="send-password-reset",
        permissions=["support"],
        icon="lock_reset",
        dialog=ActionDialog(
            title="Send a password reset?",
            description="The customer receives the usual password reset link and chooses a "
            "new password. Staff cannot set it.",
            form_class=PasswordResetDialogForm,
            form_submit_text="Send the link",
        ),
    )
    def send_password_reset_detail(
        self, request: HttpRequest, form: Any, object_id: str
    ) -> HttpResponse:
        customer = self._customer(object_id)
        self._run(
            request,
            f"A password reset link is on its way to {customer.email}.",
            lambda: support.send_password_reset(customer=customer, actor=admin_actor(request)),
        )
        return self._back_to_page(request, object_id)

    @action(
        description="Request an email change",
        url_path="request-email-change",
        permissions=["support"],
        icon="alternate_email",
        dialog=ActionDialog(
            title="Request an email change",
            description="The new address receives a confirmation link; the email changes only "
            "when it is followed. The current address is told.",
            form_class=EmailChangeDialogForm,
            form_submit_text="Send the confirmation link",
        ),
    )
    def request_email_change_detail(
        self, request: HttpRequest, form: Any, object_id: str
    ) -> HttpResponse:
        customer = self._customer(object_id)
        new_email = form.cleaned_data["email"]
        self._run(
            request,
            f"A confirmation link is on its way to {new_email}; "
            "the email changes when it is followed.",
            lambda: support.request_email_change(
                customer=customer, new_email=new_email, actor=admin_actor(request)
            ),
        )
        return self._back_to_page(request, object_id)
