"""Setting on-hand quantities from a CSV file (columns sku, warehouse, quantity; optional
reason). Each row stands alone: a bad row is reported and changes nothing."""

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from mercato.audit.services import Actor
from mercato.catalog.csv_io import InvalidCsv
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
    rows = _csv_rows(file, required=IMPORT_COLUMNS)
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


def _import_row(row: dict[str, str], *, warehouses: dict[str, Warehouse], actor: Actor) -> bool:
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


@contextmanager
def _csv_errors() -> Iterator[None]:
    try:
        yield
    except UnicodeDecodeError as exc:
        raise InvalidCsv("The file is not UTF-8 text.", code="invalid_encoding") from exc
    except csv.Error as exc:
        raise InvalidCsv(f"The file is not valid CSV: {exc}.", code="malformed_csv") from exc


def _csv_rows(binary: IO[bytes], *, required: frozenset[str]) -> Iterator[tuple[int, dict]]:
    """The CSV row loop: (line number, row) for each data row of an uploaded UTF-8 file (a
    byte order mark is allowed), after checking the header has the `required` columns.
    Refusals are `InvalidCsv` problems: `invalid_csv_columns` (raised here, before any row),
    `invalid_encoding` and `malformed_csv` (raised where the reading meets them).

    Private on purpose: it is to be replaced by the shared row loop of
    `mercato.catalog.csv_io` (`iter_csv_rows`) once that exists."""
    with _csv_errors():
        reader = csv.DictReader(io.TextIOWrapper(binary, encoding="utf-8-sig", newline=""))
        missing = required - set(reader.fieldnames or [])
    if missing:
        raise InvalidCsv(
            f"Missing columns: {', '.join(sorted(missing))}.", code="invalid_csv_columns"
        )
    return _numbered(reader)


def _numbered(reader: csv.DictReader) -> Iterator[tuple[int, dict]]:
    with _csv_errors():
        yield from enumerate(reader, start=2)
