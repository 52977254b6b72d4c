"""Two-factor authentication in the back office (/admin/2fa/…).

After the password (`/admin/login/`), a staff member with an authenticator is sent to
`verify/` for a code or a recovery code; one whose role requires 2FA and who has none is sent
to `enrol/`. `TwoFactorMiddleware` makes sure nothing else of the admin is reachable before.
Code guessing at `verify/` counts against the same per-IP and per-account limits and the same
lockout as the passwords at `/admin/login/` and the API sign-in."""

from collections.abc import Callable
from functools import wraps
from typing import Protocol, cast
from urllib.parse import urlencode

import django_otp
from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice
from unfold.widgets import UnfoldAdminTextInputWidget

from mercato.accounts import services, two_factor
from mercato.accounts.admin_login import _refusal_message
from mercato.accounts.authentication import admin_site_user
from mercato.accounts.models import User
from mercato.accounts.roles import two_factor_required
from mercato.audit.admin import admin_actor
from mercato.core import ratelimit
from mercato.core.clientip import get_client_ip
from mercato.core.errors import DomainError, RateLimited

ADMIN_PREFIX = "/admin/"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code of your authenticator app, or a recovery code.",
        widget=UnfoldAdminTextInputWidget(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index")


def _with_next(url: str, request: HttpRequest) -> str:
    return f"{url}?{urlencode({'next': request.get_full_path()})}"


def _page(request: HttpRequest, template: str, status: int = 200, **context) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "next": _next(request),
        **context,
    }
    return render(request, f"admin/two_factor/{template}", context, status=status)


class _OtpUser(Protocol):
    def is_verified(self) -> bool: ...


def _is_verified(user: User) -> bool:
    """django-otp's OTPMiddleware gives the signed-in user an is_verified() (untyped)."""
    return cast(_OtpUser, user).is_verified()


def _is_staff(request: HttpRequest) -> bool:
    return request.user.is_authenticated and request.user.is_staff and request.user.is_active


def _to_login(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(_with_next(reverse("admin:login"), request))


def _staff_page(view: Callable[[HttpRequest, User], HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of this flow (GET and POST, never cached) for the signed-in staff member, who
    is passed to `view`; anyone else is sent to the sign-in page."""

    @never_cache
    @require_http_methods(["GET", "POST"])
    @wraps(view)
    def page(request: HttpRequest) -> HttpResponse:
        if not _is_staff(request):
            return _to_login(request)
        return view(request, admin_site_user(request))

    return page


def _refuse(form: CodeForm, field: str | None, message: str) -> None:
    """Show the form again with `message` on `field` (None: the whole form)."""
    form.is_valid()
    form.add_error(field, message)


# --- the sign-in step ---------------------------------------------------------------------------


@_staff_page
def verify(request: HttpRequest, user: User) -> HttpResponse:
    """The second step of signing in: a code from the authenticator or a recovery code."""
    if _is_verified(user) or not two_factor.has_two_factor(user):
        return HttpResponseRedirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method != "POST":
        return _page(request, "verify.html", form=form, title="Two-factor authentication")
    email = user.email
    try:
        services._limit("login", services.LOGIN_LIMITS, ip=get_client_ip(request), account=email)
        ratelimit.check_lockout(email)
    except RateLimited as exc:
        _refuse(form, None, _refusal_message(exc))
        response = _page(request, "verify.html", 429, form=form, title="Two-factor authentication")
        response["Retry-After"] = str(exc.retry_after)
        return response
    device = two_factor.verify_code(user=user, code=request.POST.get("code"))
    if device is None:
        ratelimit.record_failure(email)
        _refuse(form, "code", "This code is not valid (or was used already).")
        return _page(request, "verify.html", form=form, title="Two-factor authentication")
    django_otp.login(request, device)
    ratelimit.clear_failures(email)
    if isinstance(device, StaticDevice):
        left = two_factor.recovery_codes_left(user)
        messages.warning(
            request,
            f"You signed in with a recovery code; {left} left. Make new ones at "
            f"{reverse('admin_2fa:manage')} if you are running out.",
        )
    return HttpResponseRedirect(_next(request))


# --- enrolment and management -------------------------------------------------------------------


@_staff_page
def enrol(request: HttpRequest, user: User) -> HttpResponse:
    """Scan the QR code, confirm with a code, see the recovery codes once."""
    if two_factor.has_two_factor(user):
        return HttpResponseRedirect(reverse("admin_2fa:manage"))
    device = two_factor.pending_enrolment(user) or two_factor.start_enrolment(
        user=user, actor=admin_actor(request)
    )
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = "The 6-digit code your authenticator app shows now."
    if request.method == "POST":
        try:
            codes = two_factor.confirm_enrolment(
                user=user, code=request.POST.get("code"), actor=admin_actor(request)
            )
        except DomainError as exc:
            _refuse(form, "code", str(exc))
        else:
            device.refresh_from_db()
            django_otp.login(request, device)  # this session has just proved the device
            return _page(
                request, "codes.html", codes=codes, title="Your recovery codes", enrolled=True
            )
    return _page(
        request,
        "enrol.html",
        form=form,
        title="Set up two-factor authentication",
        qr_code_svg=two_factor.qr_code_svg(device),
        secret=two_factor.secret_of(device),
        required=two_factor_required(user),
    )


@_staff_page
def manage(request: HttpRequest, user: User) -> HttpResponse:
    """Status, new recovery codes, or switching 2FA off (each after a current code)."""
    if not two_factor.has_two_factor(user):
        return HttpResponseRedirect(reverse("admin_2fa:enrol"))
    form = CodeForm(request.POST or None)
    action = request.POST.get("action")
    if request.method == "POST" and action in ("recovery_codes", "disable"):
        try:
            if action == "recovery_codes":
                codes = two_factor.regenerate_recovery_codes(
                    user=user, code=request.POST.get("code"), actor=admin_actor(request)
                )
                return _page(request, "codes.html", codes=codes, title="Your new recovery codes")
            two_factor.disable_two_factor(
                user=user, code=request.POST.get("code"), actor=admin_actor(request)
            )
        except RateLimited as exc:
            _refuse(form, None, _refusal_message(exc))
        except DomainError as exc:
            _refuse(form, "code", str(exc))
        else:
            messages.success(request, "Two-factor authentication is off.")
            return HttpResponseRedirect(reverse("admin:index"))
    return _page(
        request,
        "manage.html",
        form=form,
        title="Two-factor authentication",
        required=two_factor_required(user),
        recovery_codes_left=two_factor.recovery_codes_left(user),
    )


urlpatterns = [
    path("", manage, name="manage"),
    path("verify/", verify, name="verify"),
    path("enrol/", enrol, name="enrol"),
]
urls = (urlpatterns, "admin_2fa")


# --- the gate -----------------------------------------------------------------------------------


class TwoFactorMiddleware:
    """In the back office, a signed-in staff member who has an authenticator but has not given
    a code in this session reaches only `verify/` (and logout); one whose role requires 2FA
    and who has no authenticator reaches only `enrol/` (and logout). Needs django-otp's
    OTPMiddleware before it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX) and _is_staff(request):
            redirect = self._gate(request)
            if redirect is not None:
                return redirect
        return self.get_response(request)

    @staticmethod
    def _gate(request: HttpRequest) -> HttpResponse | None:
        path_now = request.path
        if path_now in (reverse("admin:logout"), reverse("admin:login")):
            return None
        user = admin_site_user(request)
        if two_factor.has_two_factor(user):
            verify_url = reverse("admin_2fa:verify")
            if not _is_verified(user) and path_now != verify_url:
                return HttpResponseRedirect(_with_next(verify_url, request))
            return None
        enrol_url = reverse("admin_2fa:enrol")
        if two_factor_required(user) and path_now != enrol_url:
            return HttpResponseRedirect(_with_next(enrol_url, request))
        return None
