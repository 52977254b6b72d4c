"""The admin sidebar (unfold's SIDEBAR navigation): a Reports section for the staff who may
read the reports, then every application and model the staff member may see, as the admin's
own list shows them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from mercato.analytics.admin.views import REPORTS
from mercato.analytics.dashboard import VIEW_REPORTS


def may_read_reports(request: HttpRequest) -> bool:
    return request.user.has_perm(VIEW_REPORTS)


def navigation(request: HttpRequest) -> list[dict[str, Any]]:
    reports = {
        "title": "Reports",
        "items": [
            {
                "title": report.title,
                "icon": "monitoring",
                "link": reverse(f"analytics-report-{report.slug}"),
                "permission": may_read_reports,
            }
            for report in REPORTS
        ],
    }
    home = {
        "title": "",
        "items": [{"title": "Dashboard", "icon": "dashboard", "link": reverse("admin:index")}],
    }
    apps = [
        {
            "title": app["name"],
            "items": [
                {"title": model["name"], "link": model["admin_url"]}
                for model in app["models"]
                if model.get("admin_url")
            ],
        }
        for app in admin.site.get_app_list(request)
    ]
    return [home, reports, *apps]
