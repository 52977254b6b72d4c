import re

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views import defaults, static
from django.views.generic import RedirectView

from mercato.accounts import admin_login, admin_two_factor
from mercato.api import api
from mercato.core import health
from mercato.core.middleware import is_api_request
from mercato.core.problems import problem_response

admin.site.site_header = "Mercato back office"
admin.site.site_title = "Mercato"
admin.site.index_title = "Shop administration"

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs", permanent=False)),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("api/", api.urls),
    path("admin/login/", admin_login.login),  # the admin's login with the API's limits
    path("admin/2fa/", include(admin_two_factor.urls)),  # staff two-factor authentication
    path("admin/reports/", include("mercato.analytics.admin.urls")),  # the report pages
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA and settings.MEDIA_URL.startswith("/"):
    # Public product images from local storage. Only this folder: private files (imports)
    # live in another storage and are never served.
    urlpatterns.append(
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.strip('/'))}/(?P<path>products/.+)$",
            static.serve,
            {"document_root": settings.MEDIA_ROOT},
            name="media",
        )
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """A 500 outside the API's own handlers: a problem document, never a traceback."""
    if is_api_request(request):
        return problem_response(500, "server_error", "Something went wrong on our side.")
    return defaults.server_error(request)


handler500 = server_error
