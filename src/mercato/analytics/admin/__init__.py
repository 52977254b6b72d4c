"""The analytics back office: the dashboard on the admin's home page (the callback is
`mercato.analytics.dashboard`), the report pages (`views`, mounted at /admin/reports/ by
`urls`) and the sidebar's Reports section (`sidebar`)."""

from django.contrib import admin

# unfold's own admin/index.html comes first among the app templates: the dashboard is a
# template of its own that extends it.
admin.site.index_template = "admin/analytics/dashboard.html"
