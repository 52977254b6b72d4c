"""The analytics HTTP API: the admin reports (`admin_router`)."""

from mercato.analytics.api import reports  # noqa: F401  (registers the operations)
from mercato.analytics.api.common import admin_router

__all__ = ["admin_router"]
