"""What the analytics handlers share: the admin router and the permission every report asks
for (the Analyst role has it)."""

from ninja import Router

from mercato.accounts.authentication import AdminAuth

admin_router = Router(tags=["admin: analytics"])

VIEW = "analytics.view_dailysales"
report_auth = AdminAuth(VIEW)
