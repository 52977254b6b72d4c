"""The inventory API's input and output schemas."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from ninja import Schema
from pydantic import Field, StrictBool, StrictInt, model_validator

from mercato.core.pagination import PageParams
from mercato.core.schemas import InputSchema, PatchSchema, unset
from mercato.inventory.models import Stock, StockMovement
from mercato.inventory.services import MAX_QUANTITY


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
    name: str = unset(min_length=1, max_length=100)
    slug: str = unset(max_length=100)
    line1: str = unset(max_length=200)
    line2: str = unset(max_length=200)
    city: str = unset(max_length=100)
    postal_code: str = unset(max_length=20)
    country: str = unset(max_length=2)
    countries: list[str] = unset(max_length=250)
    priority: StrictInt = unset(ge=0, le=100000)
    is_active: StrictBool = unset()


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


# A stock row, read with its variant, product, inventory item and warehouse.
class StockOut(Schema):
    sku: str
    product: str
    warehouse: str
    quantity: int
    quantity_allocated: int
    quantity_free: int
    low_stock_threshold: int

    @staticmethod
    def resolve_sku(stock: Stock) -> str:
        return stock.variant.sku

    @staticmethod
    def resolve_product(stock: Stock) -> str:
        return stock.variant.product.name

    @staticmethod
    def resolve_warehouse(stock: Stock) -> str:
        return stock.warehouse.slug

    @staticmethod
    def resolve_low_stock_threshold(stock: Stock) -> int:
        """The variant's own threshold, else the shop's."""
        item = getattr(stock.variant, "inventory_item", None)
        if item is not None and item.low_stock_threshold is not None:
            return item.low_stock_threshold
        return settings.LOW_STOCK_THRESHOLD


class StockPage(Schema):
    items: list[StockOut]
    next: str | None


class AdjustIn(InputSchema):
    sku: str = Field(min_length=1, max_length=64)
    warehouse: str = Field(min_length=1, max_length=100, description="warehouse slug")
    quantity: StrictInt | None = Field(None, ge=0, le=MAX_QUANTITY, description="Set on hand")
    delta: StrictInt | None = Field(None, ge=-MAX_QUANTITY, le=MAX_QUANTITY)
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
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY)
    reason: str = Field("transfer", max_length=250)


class RulesIn(InputSchema):
    allow_backorders: StrictBool | None = None
    low_stock_threshold: StrictInt | None = Field(None, ge=0, le=MAX_QUANTITY)


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

    @staticmethod
    def resolve_sku(movement: StockMovement) -> str:
        return movement.stock.variant.sku

    @staticmethod
    def resolve_warehouse(movement: StockMovement) -> str:
        return movement.stock.warehouse.slug

    @staticmethod
    def resolve_actor(movement: StockMovement) -> str:
        return movement.actor_label


class MovementPage(Schema):
    items: list[MovementOut]
    next: str | None


class ImportReport(Schema):
    rows: int
    changed: int
    unchanged: int
    failed: int
    errors: list[dict[str, Any]]


class AvailabilityParams(Schema):
    variants: list[UUID] = Field(max_length=100, description="Variant ids (repeat the parameter).")


class StockFilters(PageParams):
    warehouse: str = Field("", max_length=100)
    search: str = Field("", max_length=100, description="SKU or product name contains")
    state: str = Field("", pattern="^(|low|out)$", description="low or out (of stock)")


class MovementFilters(PageParams):
    sku: str = Field("", max_length=64)
    warehouse: str = Field("", max_length=100)
    order: str = Field("", max_length=100)
