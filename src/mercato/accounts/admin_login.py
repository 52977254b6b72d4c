"""The back office's sign-in (`/admin/login/`) with the API sign-in's limits and lockout.

The same counters as `services.log_in`: attempts per IP and per account (LOGIN_LIMITS) and the
failed-login lockout of the account, so an attacker gains nothing by switching between the
admin form and `/api/*/auth/login`. The view wraps the admin site's own login view, whatever
its form (e.g. one that also asks for a second factor): a refused attempt never reaches the
form's authentication, shows why on the form, and answers 429 with `Retry-After`."""

import copy
import math

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from mercato.accounts import services, two_factor
from mercato.accounts.authentication import admin_site_user
from mercato.accounts.models import User
from mercato.core import ratelimit
from mercato.core.clientip import get_client_ip
from mercato.core.errors import RateLimited


def _refusal_message(exc: RateLimited) -> str:
    minutes = max(1, math.ceil(exc.retry_after / 60))
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{exc} Try again in {wait}."


def _refused(request: HttpRequest, site: admin.AdminSite, exc: RateLimited) -> HttpResponse:
    """The site's login page, its form bound to what was sent and showing the refusal."""
    base = site.login_form or AdminAuthenticationForm
    message = _refusal_message(exc)

    # the site's own form class, known only at run time: mypy takes no variable as a base
    class RefusedForm(base):  # type: ignore[valid-type,misc]
        def clean(self):  # no authentication at all while refused
            raise forms.ValidationError(message, code=exc.code)

    refusing_site = copy.copy(site)
    refusing_site.login_form = RefusedForm
    response = refusing_site.login(request)
    response.status_code = 429
    response["Retry-After"] = str(exc.retry_after)
    return response


def _signed_in_as(request: HttpRequest, email: str) -> bool:
    user = request.user
    return bool(
        user.is_authenticated and user.is_staff and user.get_username().lower() == email.lower()
    )


@never_cache
@login_not_required
def login(request: HttpRequest, site: admin.AdminSite | None = None) -> HttpResponse:
    site = site or admin.site
    if request.method != "POST":
        return site.login(request)
    email = User.objects.normalize_email(request.POST.get("username", "").strip())
    try:
        services._limit("login", services.LOGIN_LIMITS, ip=get_client_ip(request), account=email)
        if email:
            ratelimit.check_lockout(email)
    except RateLimited as exc:
        return _refused(request, site, exc)
    response = site.login(request)
    if email and _signed_in_as(request, email) and response.status_code in (301, 302, 303):
        # with two-factor authentication, the code step clears them
        if not two_factor.has_two_factor(admin_site_user(request)):
            ratelimit.clear_failures(email)
    elif email and response.status_code == 200:  # the form came back: not signed in
        ratelimit.record_failure(email)
    return response
