"""The accounts HTTP API: `store_router` (customers' sign-in and password), `admin_router`
(staff sign-in, two-factor authentication, apps and their API keys) and `audit_router` (the
audit log), one module per resource.

The operationIds stay those of the time the API was one module (`mercato_accounts_api_<name>`;
the audit log's is written out on its operation): clients generated from the OpenAPI
document call them by these names."""

# isort: off
# Registration order: that of the single module this package replaced.
from mercato.accounts.api import auth, staff, two_factor, apps, audit  # noqa: F401

# isort: on
from mercato.accounts.api.common import admin_router, audit_router, store_router
from mercato.core.openapi import keep_operation_ids

keep_operation_ids(__name__, store_router, admin_router)


__all__ = ["admin_router", "audit_router", "store_router"]
