"""Inventory: reservations, allocation, fulfilment, adjustments and transfers, each with its
ledger movement. Nothing here can sell a unit twice:

- every function that checks and then takes stock first locks the stock rows of the variants
  involved, always in primary-key order (one helper, `locks.lock_stocks`), so concurrent
  buyers queue instead of both seeing the last unit, and never deadlock;
- on SQLite the same code holds because every transaction takes the write lock at BEGIN
  (`transaction_mode = IMMEDIATE`);
- CHECK constraints keep on-hand and allocated quantities from going below zero.

Available = on hand - allocated - active reservations, summed over the active warehouses.

One module per business concern; this package exposes the public functions, so callers
write `from mercato.inventory import services` and `services.reserve_stock(...)`.
"""

from mercato.core.inputs import UNSET, Unset
from mercato.inventory.errors import InsufficientStock
from mercato.inventory.selectors import products_in_stock  # the catalog's in-stock resolver
from mercato.inventory.services.adjustments import adjust_stock, set_inventory_rules
from mercato.inventory.services.allocation import OrderLine, allocate_order
from mercato.inventory.services.fulfilment import (
    deallocate_lines,
    fulfil_line,
    restock_return,
    unfulfil_line,
)
from mercato.inventory.services.inputs import WarehouseChanges
from mercato.inventory.services.ledger import MAX_QUANTITY
from mercato.inventory.services.reservations import (
    delete_expired_reservations,
    reapportion_reservations,
    release_reservations,
    renew_reservations,
    reserve_stock,
)
from mercato.inventory.services.stock_import import StockImportReport, import_stock
from mercato.inventory.services.transfers import transfer_stock
from mercato.inventory.services.warehouses import (
    WAREHOUSE_FIELDS,
    clean_country_codes,
    delete_warehouse,
    save_warehouse,
)

__all__ = [
    "MAX_QUANTITY",
    "UNSET",
    "WAREHOUSE_FIELDS",
    "InsufficientStock",
    "OrderLine",
    "StockImportReport",
    "Unset",
    "WarehouseChanges",
    "adjust_stock",
    "allocate_order",
    "clean_country_codes",
    "deallocate_lines",
    "delete_expired_reservations",
    "delete_warehouse",
    "fulfil_line",
    "import_stock",
    "products_in_stock",
    "reapportion_reservations",
    "release_reservations",
    "renew_reservations",
    "reserve_stock",
    "restock_return",
    "save_warehouse",
    "set_inventory_rules",
    "transfer_stock",
    "unfulfil_line",
]
