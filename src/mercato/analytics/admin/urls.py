"""The report pages, mounted at /admin/reports/ (mercato/urls.py)."""

from django.urls import path

from mercato.analytics.admin.views import REPORTS, view_of

urlpatterns = [
    path(f"{report.slug}/", view_of(report), name=f"analytics-report-{report.slug}")
    for report in REPORTS
]
