"""The catalog's HTTP API: `store_router` (the storefront) and `admin_router` (the back
office), one module per resource.

The modules register their operations in import order, which is also the order in which
paths are matched: imports (export.csv, import) comes before products, whose
/catalog/products/{product_id} would otherwise take those names for an id.

The operationIds stay those of the time the API was one module (`mercato_catalog_api_<name>`):
clients generated from the OpenAPI document call them by these names."""

# isort: off
# Registration order (imports before products: see above).
from mercato.catalog.api import store, attributes, product_types, categories  # noqa: F401
from mercato.catalog.api import collections, imports, products, variants, media  # noqa: F401

# isort: on
from mercato.catalog.api.common import admin_router, store_router
from mercato.core.openapi import keep_operation_ids

keep_operation_ids(__name__, store_router, admin_router)

__all__ = ["admin_router", "store_router"]
