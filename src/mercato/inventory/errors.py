"""Inventory's domain errors (codes and statuses are part of the API)."""

from mercato.core.errors import Conflict, InvalidInput, NotFound


class InsufficientStock(Conflict):
    code, title = "insufficient_stock", "Not enough stock"


class VariantNotFound(NotFound):
    code, title = "variant_not_found", "No such variant"


class WarehouseNotFound(NotFound):
    code, title = "warehouse_not_found", "No such warehouse"


class WarehouseInUse(Conflict):
    code, title = "warehouse_in_use", "The warehouse has stock rows"


class WarehouseSlugTaken(Conflict):
    code, title = "slug_taken", "Another warehouse uses this slug"


class InvalidQuantity(InvalidInput):
    code, title = "invalid_quantity", "A quantity is a whole number"


class InvalidCountry(InvalidInput):
    code, title = "invalid_country", "Not an ISO 3166-1 alpha-2 country code"


class ReasonRequired(InvalidInput):
    code, title = "reason_required", "A reason is required"


class BelowAllocated(InvalidInput):
    code, title = "below_allocated", "On hand cannot go below what orders have allocated"


class SameWarehouse(InvalidInput):
    code, title = "same_warehouse", "A transfer needs two different warehouses"
