import csv
import io
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field, StrictBool, StrictInt, model_validator

from mercato.accounts.authentication import AdminAuth
from mercato.accounts.services import actor_for
from mercato.catalog.csv_io import InvalidCsv
from mercato.catalog.models import Product, ProductVariant
from mercato.catalog.selectors import get_visible_product
from mercato.core.clientip import get_client_ip
from mercato.core.errors import DomainError
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import InputSchema, PatchSchema, problems
from mercato.inventory import selectors, services
from mercato.inventory.errors import InvalidQuantity, VariantNotFound, WarehouseNotFound
from mercato.inventory.models import Stock, StockMovement, Warehouse

store_router = Router(tags=["store: inventory"])
admin_router = Router(tags=["admin: inventory"])

# --- schemas --------------------------------------------------------------------------------


class VariantAvailability(Schema):
    variant_id: UUID
    sku: str
    in_stock: bool
    quantity: int | None = Field(
        None, description="Units available now; null unless the shop shows exact counts."
    )


class WarehouseIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    slug: str = Field("", max_length=100)
    line1: str = Field("", max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field("", max_length=2)
    countries: list[str] = Field(default_factory=list, max_length=250)
    priority: StrictInt = Field(100, ge=0, le=100000)
    is_active: StrictBool = True


class WarehousePatch(PatchSchema):
    name: str = Field(None, min_length=1, max_length=100)
    slug: str = Field(None, max_length=100)
    line1: str = Field(None, max_length=200)
    line2: str = Field(None, max_length=200)
    city: str = Field(None, max_length=100)
    postal_code: str = Field(None, max_length=20)
    country: str = Field(None, max_length=2)
    countries: list[str] = Field(None, max_length=250)
    priority: StrictInt = Field(None, ge=0, le=100000)
    is_active: StrictBool = None


class WarehouseOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    slug: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str
    countries: list[str]
    priority: int
    is_active: bool


class StockOut(Schema):
    sku: str
    product: str
    warehouse: str
    quantity: int
    quantity_allocated: int
    quantity_free: int
    low_stock_threshold: int


class StockPage(Schema):
    items: list[StockOut]
    next: str | None


class AdjustIn(InputSchema):
    sku: str = Field(min_length=1, max_length=64)
    warehouse: str = Field(min_length=1, max_length=100, description="warehouse slug")
    quantity: StrictInt | None = Field(
        None, ge=0, le=services.MAX_QUANTITY, description="Set on hand"
    )
    delta: StrictInt | None = Field(None, ge=-services.MAX_QUANTITY, le=services.MAX_QUANTITY)
    reason: str = Field(min_length=1, max_length=250)

    @model_validator(mode="after")
    def one_of(self):
        if (self.quantity is None) == (self.delta is None):
            raise ValueError("give either quantity or delta")
        return self


class TransferIn(InputSchema):
    sku: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=100)
    destination: str = Field(min_length=1, max_length=100)
    quantity: StrictInt = Field(ge=1, le=services.MAX_QUANTITY)
    reason: str = Field("transfer", max_length=250)


class RulesIn(InputSchema):
    allow_backorders: StrictBool | None = None
    low_stock_threshold: StrictInt | None = Field(None, ge=0, le=services.MAX_QUANTITY)


class RulesOut(Schema):
    sku: str
    allow_backorders: bool
    low_stock_threshold: int | None
    is_low: bool


class MovementOut(Schema):
    id: int
    created_at: datetime
    sku: str
    warehouse: str
    kind: str
    quantity_delta: int
    quantity_before: int
    quantity_after: int
    allocated_delta: int
    allocated_before: int
    allocated_after: int
    reason: str
    actor: str
    order_reference: str


class MovementPage(Schema):
    items: list[MovementOut]
    next: str | None


class ImportReport(Schema):
    rows: int
    changed: int
    unchanged: int
    failed: int
    errors: list[dict[str, Any]]


# --- store ----------------------------------------------------------------------------------


def _availability_out(variants: list[ProductVariant]) -> list[dict]:
    found = selectors.availability([v.pk for v in variants]) if variants else {}
    exact = settings.STOCK_SHOW_QUANTITY
    return [
        {
            "variant_id": v.public_id,
            "sku": v.sku,
            "in_stock": found[v.pk].can_sell(1),
            "quantity": (found[v.pk].available if found[v.pk].tracked else None) if exact else None,
        }
        for v in variants
    ]


@store_router.get(
    "/products/{key}/availability",
    response={200: list[VariantAvailability], **problems(404)},
    auth=None,
)
def product_availability(request: HttpRequest, key: str):
    """Whether each variant of a published product can be bought now (and how many, if the
    shop shows exact counts: STOCK_SHOW_QUANTITY)."""
    product = get_visible_product(key=key)
    return _availability_out(list(product.variants.all()))


class AvailabilityParams(Schema):
    variants: list[UUID] = Field(max_length=100, description="Variant ids (repeat the parameter).")


@store_router.get(
    "/availability", response={200: list[VariantAvailability], **problems(422)}, auth=None
)
def variants_availability(request: HttpRequest, params: Query[AvailabilityParams]):
    """Availability of several variants at once (of published products only)."""
    variants = list(
        ProductVariant.objects.filter(
            public_id__in=params.variants, product__in=Product.objects.visible().values("pk")
        )
    )
    return _availability_out(variants)


# --- admin ----------------------------------------------------------------------------------


def _actor(request: HttpRequest):
    return actor_for(request.auth, ip=get_client_ip(request))


def _variant(sku: str) -> ProductVariant:
    variant = ProductVariant.objects.filter(sku=sku).first()
    if variant is None:
        raise VariantNotFound(f"No variant with SKU {sku!r}.")
    return variant


@admin_router.get(
    "/inventory/warehouses",
    response={200: list[WarehouseOut], **problems(401, 403)},
    auth=AdminAuth("inventory.view_warehouse"),
)
def list_warehouses(request: HttpRequest):
    return list(Warehouse.objects.all())


@admin_router.post(
    "/inventory/warehouses",
    response={201: WarehouseOut, **problems(401, 403, 409, 422)},
    auth=AdminAuth("inventory.add_warehouse"),
)
def create_warehouse(request: HttpRequest, payload: WarehouseIn):
    return Status(201, services.save_warehouse(actor=_actor(request), changes=payload.dict()))


@admin_router.patch(
    "/inventory/warehouses/{warehouse_id}",
    response={200: WarehouseOut, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("inventory.change_warehouse"),
)
def update_warehouse(request: HttpRequest, warehouse_id: UUID, payload: WarehousePatch):
    return services.save_warehouse(
        actor=_actor(request),
        warehouse=selectors.get_warehouse(public_id=warehouse_id),
        changes=payload.dict(exclude_unset=True),
    )


@admin_router.delete(
    "/inventory/warehouses/{warehouse_id}",
    response={204: None, **problems(401, 403, 404, 409)},
    auth=AdminAuth("inventory.delete_warehouse"),
)
def delete_warehouse(request: HttpRequest, warehouse_id: UUID):
    """Only a warehouse that never held stock can go (409 `warehouse_in_use`)."""
    services.delete_warehouse(
        actor=_actor(request), warehouse=selectors.get_warehouse(public_id=warehouse_id)
    )
    return Status(204, None)


class StockFilters(PageParams):
    warehouse: str = Field("", max_length=100)
    search: str = Field("", max_length=100, description="SKU or product name contains")
    state: str = Field("", pattern="^(|low|out)$", description="low or out (of stock)")


def _stock_out(stock: Stock) -> dict:
    item = getattr(stock.variant, "inventory_item", None)
    threshold = (
        item.low_stock_threshold
        if item is not None and item.low_stock_threshold is not None
        else settings.LOW_STOCK_THRESHOLD
    )
    return {
        "sku": stock.variant.sku,
        "product": stock.variant.product.name,
        "warehouse": stock.warehouse.slug,
        "quantity": stock.quantity,
        "quantity_allocated": stock.quantity_allocated,
        "quantity_free": stock.quantity_free,
        "low_stock_threshold": threshold,
    }


@admin_router.get(
    "/inventory/stocks",
    response={200: StockPage, **problems(401, 403, 422)},
    auth=AdminAuth("inventory.view_stock"),
)
def list_stocks(request: HttpRequest, filters: Query[StockFilters]):
    """Stock levels per variant and warehouse; `state=low` or `state=out` to find gaps."""
    stocks = selectors.list_stocks(
        warehouse=filters.warehouse,
        search=filters.search,
        state=filters.state,
        default_threshold=settings.LOW_STOCK_THRESHOLD,
    )
    return paginate(stocks, params=filters, ordering=("id",), transform=_stock_out)


@admin_router.post(
    "/inventory/stocks/adjust",
    response={200: StockOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("inventory.change_stock"),
)
def adjust_stock(request: HttpRequest, payload: AdjustIn):
    """Set (`quantity`) or change (`delta`) what is on hand, with a reason for the ledger."""
    stock = services.adjust_stock(
        variant=_variant(payload.sku),
        warehouse=selectors.get_warehouse(slug=payload.warehouse),
        quantity=payload.quantity,
        delta=payload.delta,
        reason=payload.reason,
        actor=_actor(request),
    )
    return _stock_out(
        Stock.objects.select_related("variant__product", "warehouse").get(pk=stock.pk)
    )


@admin_router.post(
    "/inventory/stocks/transfer",
    response={200: list[StockOut], **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("inventory.change_stock"),
)
def transfer_stock(request: HttpRequest, payload: TransferIn):
    """Move free units of a variant from one warehouse to another."""
    out, into = services.transfer_stock(
        variant=_variant(payload.sku),
        source=selectors.get_warehouse(slug=payload.source),
        destination=selectors.get_warehouse(slug=payload.destination),
        quantity=payload.quantity,
        reason=payload.reason,
        actor=_actor(request),
    )
    rows = Stock.objects.select_related("variant__product", "warehouse").filter(
        pk__in=[out.pk, into.pk]
    )
    return [_stock_out(s) for s in sorted(rows, key=lambda s: s.pk != out.pk)]


@admin_router.put(
    "/inventory/variants/{sku}/rules",
    response={200: RulesOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("inventory.change_stock"),
)
def set_rules(request: HttpRequest, sku: str, payload: RulesIn):
    """Backorders and the low-stock threshold of a variant (null threshold: shop default)."""
    data = payload.dict(exclude_unset=True)
    item = services.set_inventory_rules(
        variant=_variant(sku),
        actor=_actor(request),
        allow_backorders=data.get("allow_backorders"),
        low_stock_threshold=data.get("low_stock_threshold", services.UNSET),
    )
    return {
        "sku": sku,
        "allow_backorders": item.allow_backorders,
        "low_stock_threshold": item.low_stock_threshold,
        "is_low": item.is_low,
    }


class MovementFilters(PageParams):
    sku: str = Field("", max_length=64)
    warehouse: str = Field("", max_length=100)
    order: str = Field("", max_length=100)


def _movement_out(movement: StockMovement) -> dict:
    return {
        "id": movement.pk,
        "created_at": movement.created_at,
        "sku": movement.stock.variant.sku,
        "warehouse": movement.stock.warehouse.slug,
        "kind": movement.kind,
        "quantity_delta": movement.quantity_delta,
        "quantity_before": movement.quantity_before,
        "quantity_after": movement.quantity_after,
        "allocated_delta": movement.allocated_delta,
        "allocated_before": movement.allocated_before,
        "allocated_after": movement.allocated_after,
        "reason": movement.reason,
        "actor": movement.actor_label,
        "order_reference": movement.order_reference,
    }


@admin_router.get(
    "/inventory/movements",
    response={200: MovementPage, **problems(401, 403, 422)},
    auth=AdminAuth("inventory.view_stockmovement"),
)
def list_movements(request: HttpRequest, filters: Query[MovementFilters]):
    """The stock ledger, newest first."""
    movements = selectors.list_movements(
        sku=filters.sku, warehouse=filters.warehouse, order=filters.order
    )
    return paginate(movements, params=filters, transform=_movement_out)


IMPORT_COLUMNS = {"sku", "warehouse", "quantity"}


@admin_router.post(
    "/inventory/stocks/import",
    response={200: ImportReport, **problems(400, 401, 403, 413)},
    auth=AdminAuth("inventory.change_stock"),
)
def import_stock(request: HttpRequest, file: File[UploadedFile]):
    """Set on-hand quantities from a CSV (columns sku, warehouse, quantity; optional reason).
    Each row stands alone: a bad row is reported and changes nothing."""
    actor = _actor(request)
    report = {"rows": 0, "changed": 0, "unchanged": 0, "failed": 0, "errors": []}
    try:
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        missing = IMPORT_COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise InvalidCsv(
                f"Missing columns: {', '.join(sorted(missing))}.", code="invalid_csv_columns"
            )
        warehouses = {w.slug: w for w in Warehouse.objects.all()}
        for number, row in enumerate(reader, start=2):
            report["rows"] += 1
            try:
                warehouse = warehouses.get((row.get("warehouse") or "").strip())
                if warehouse is None:
                    raise WarehouseNotFound("No such warehouse.")
                raw = (row.get("quantity") or "").strip()
                if not (raw.isascii() and raw.isdigit()):
                    raise InvalidQuantity("quantity is a whole number.")
                before = (
                    Stock.objects.filter(
                        variant__sku=(row.get("sku") or "").strip(), warehouse=warehouse
                    )
                    .values_list("quantity", flat=True)
                    .first()
                )
                services.adjust_stock(
                    variant=_variant((row.get("sku") or "").strip()),
                    warehouse=warehouse,
                    quantity=int(raw),
                    reason=(row.get("reason") or "stock import").strip()[:250] or "stock import",
                    actor=actor,
                    kind=StockMovement.Kind.IMPORT,
                )
                report["changed" if before != int(raw) else "unchanged"] += 1
            except DomainError as exc:
                report["failed"] += 1
                if len(report["errors"]) < 1000:
                    report["errors"].append({"row": number, "code": exc.code, "error": str(exc)})
    except UnicodeDecodeError as exc:
        raise InvalidCsv("The file is not UTF-8 text.", code="invalid_encoding") from exc
    except csv.Error as exc:
        raise InvalidCsv(f"The file is not valid CSV: {exc}.", code="malformed_csv") from exc
    return report
