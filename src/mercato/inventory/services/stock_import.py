"""Setting on-hand quantities from a CSV file (columns sku, warehouse, quantity; optional
reason). Each row stands alone: a bad row is reported and changes nothing."""

from dataclasses import dataclass, field
from typing import IO, Any

from mercato.audit.services import Actor
from mercato.core.csv_rows import iter_csv_rows
from mercato.core.errors import DomainError
from mercato.inventory import selectors
from mercato.inventory.errors import InvalidQuantity, WarehouseNotFound
from mercato.inventory.models import StockMovement, Warehouse
from mercato.inventory.services.adjustments import adjust_stock

IMPORT_COLUMNS = frozenset({"sku", "warehouse", "quantity"})
MAX_REPORTED_ERRORS = 1000
DEFAULT_REASON = "stock import"


@dataclass
class StockImportReport:
    rows: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_stock(*, file: IO[bytes], actor: Actor) -> StockImportReport:
    """Apply every row of the file; a file that is not UTF-8 CSV with the columns is
    refused (`invalid_csv` problems), rows that fail are counted and reported."""
    report = StockImportReport()
    rows = iter_csv_rows(file, required_columns=IMPORT_COLUMNS)
    warehouses = {w.slug: w for w in selectors.list_warehouses()}
    for number, row in rows:
        report.rows += 1
        try:
            changed = _import_row(row, warehouses=warehouses, actor=actor)
        except DomainError as exc:
            report.failed += 1
            if len(report.errors) < MAX_REPORTED_ERRORS:
                report.errors.append({"row": number, "code": exc.code, "error": str(exc)})
        else:
            if changed:
                report.changed += 1
            else:
                report.unchanged += 1
    return report


def _import_row(
    row: dict[str, str | None], *, warehouses: dict[str, Warehouse], actor: Actor
) -> bool:
    """Set the row's quantity; whether it changed what was on hand."""
    warehouse = warehouses.get((row.get("warehouse") or "").strip())
    if warehouse is None:
        raise WarehouseNotFound("No such warehouse.")
    raw = (row.get("quantity") or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidQuantity("quantity is a whole number.")
    sku = (row.get("sku") or "").strip()
    before = selectors.get_stock_quantity(sku=sku, warehouse=warehouse)
    adjust_stock(
        variant=selectors.get_variant_by_sku(sku),
        warehouse=warehouse,
        quantity=int(raw),
        reason=(row.get("reason") or DEFAULT_REASON).strip()[:250] or DEFAULT_REASON,
        actor=actor,
        kind=StockMovement.Kind.IMPORT,
    )
    return before != int(raw)
