from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from mercato.core.money import Money
from mercato.core.schemas import AmountInput, InputSchema, IsoDateTime, PatchSchema, unset

Slug = Field(min_length=1, max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")
PriceIn = AmountInput  # checked by the services
AttributeInput = dict[str, str | int | float | bool | list[str] | None]


# --- shared output --------------------------------------------------------------------------


class AttributeValueOut(Schema):
    slug: str
    name: str


class AssignedAttributeOut(Schema):
    attribute: str
    name: str
    type: str
    unit: str = ""
    values: list[AttributeValueOut] = []
    value: str | float | bool | None = None


class PriceRange(Schema):
    min: Money | None
    max: Money | None


class CategoryRef(Schema):
    id: UUID
    name: str
    slug_path: str


class MediaOut(Schema):
    id: UUID
    url: str
    alt: str
    variant_ids: list[UUID] = []


# --- store ----------------------------------------------------------------------------------


class ProductListItem(Schema):
    id: UUID
    slug: str
    name: str
    category: CategoryRef | None
    thumbnail: MediaOut | None
    price: PriceRange
    in_stock: bool
    created_at: datetime


class FacetValue(Schema):
    value: str
    name: str
    count: int
    selected: bool


class AttributeFacet(Schema):
    attribute: str
    name: str
    values: list[FacetValue]


class PriceFacet(Schema):
    min: Decimal | None
    max: Decimal | None


class Facets(Schema):
    attributes: list[AttributeFacet]
    price: PriceFacet
    total: int = Field(description="Products matching the current filter.")


class ProductPage(Schema):
    items: list[ProductListItem]
    next: str | None
    facets: Facets | None = None


class VariantOut(Schema):
    id: UUID
    sku: str
    name: str
    price: Money
    compare_at_price: Money | None
    weight_grams: int | None
    attributes: list[AssignedAttributeOut]
    media_ids: list[UUID]


class ProductDetail(Schema):
    id: UUID
    slug: str
    name: str
    description: str
    seo_title: str
    seo_description: str
    metadata: dict[str, Any]
    product_type: str
    category: CategoryRef | None
    breadcrumbs: list[CategoryRef]
    attributes: list[AssignedAttributeOut]
    variants: list[VariantOut]
    media: list[MediaOut]
    price: PriceRange
    in_stock: bool
    published_at: datetime | None


class CategoryNode(Schema):
    id: UUID
    name: str
    slug: str
    slug_path: str
    description: str
    product_count: int
    children: list["CategoryNode"]


class CollectionOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    slug: str
    description: str
    seo_title: str
    seo_description: str


# --- admin: input ---------------------------------------------------------------------------


class NamedIn(InputSchema):
    """The name of an attribute (or its value), a product type, a category, a collection; an
    empty slug is made from the name."""

    name: str = Field(min_length=1, max_length=100)
    slug: str = Field("", max_length=100)


class NamedPatch(PatchSchema):
    name: str = unset(min_length=1, max_length=100)
    slug: str = unset(max_length=100)


class AttributeIn(NamedIn):
    input_type: Literal["text", "number", "boolean", "single_choice", "multiple_choice"]
    unit: str = Field("", max_length=20)
    is_filterable: StrictBool = True
    values: list[str] = Field(default_factory=list, max_length=1000)


class AttributePatch(NamedPatch):
    unit: str = unset(max_length=20)
    is_filterable: StrictBool = unset()
    sort_order: StrictInt = unset(ge=0, le=100000)


class AttributeValueIn(NamedIn):
    sort_order: StrictInt | None = Field(None, ge=0, le=100000)


class ProductTypeIn(NamedIn):
    has_variants: StrictBool = True
    product_attributes: list[str] = Field(default_factory=list, max_length=100)
    variant_attributes: list[str] = Field(default_factory=list, max_length=100)


class ProductTypePatch(NamedPatch):
    has_variants: StrictBool = unset()
    product_attributes: list[str] = unset(max_length=100)
    variant_attributes: list[str] = unset(max_length=100)


class PageIn(NamedIn):
    """The storefront page fields a category and a collection share."""

    description: str = Field("", max_length=10000)
    seo_title: str = Field("", max_length=200)
    seo_description: str = Field("", max_length=300)
    metadata: dict[str, Any] = Field(default_factory=dict)


class PagePatch(NamedPatch):
    description: str = unset(max_length=10000)
    seo_title: str = unset(max_length=200)
    seo_description: str = unset(max_length=300)
    metadata: dict[str, Any] = unset()


class CategoryIn(PageIn):
    parent: str | None = Field(None, max_length=1000, description="slug_path of the parent")


class CategoryPatch(PagePatch):
    pass


class CategoryMoveIn(InputSchema):
    target: str | None = Field(
        None, max_length=1000, description="slug_path of the target; null: to the top level"
    )
    position: Literal["first-child", "last-child", "left", "right"] = "last-child"


class CollectionIn(PageIn):
    is_published: StrictBool = False


class CollectionPatch(PagePatch):
    is_published: StrictBool = unset()


class CollectionProductsIn(InputSchema):
    products: list[UUID] = Field(max_length=10000, description="Product ids, in display order.")


class VariantIn(InputSchema):
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field("", max_length=250)
    price: PriceIn
    compare_at_price: PriceIn | None = None
    cost_price: PriceIn | None = None
    weight_grams: StrictInt | None = Field(None, ge=0, le=10_000_000)
    barcode: str = Field("", max_length=64)
    track_inventory: StrictBool = True
    attributes: AttributeInput = Field(default_factory=dict)


class VariantPatch(PatchSchema):
    sku: str = unset(min_length=1, max_length=64)
    name: str = unset(max_length=250)
    price: PriceIn = unset()
    compare_at_price: PriceIn | None = None
    cost_price: PriceIn | None = None
    weight_grams: StrictInt | None = Field(None, ge=0, le=10_000_000)
    barcode: str = unset(max_length=64)
    track_inventory: StrictBool = unset()
    sort_order: StrictInt = unset(ge=0, le=100000)
    attributes: AttributeInput = unset()


Status = Literal["draft", "published", "archived"]


class ProductIn(InputSchema):
    name: str = Field(min_length=1, max_length=250)
    slug: str = Field("", max_length=255)
    product_type: str = Field(min_length=1, max_length=100, description="product type slug")
    category: str | None = Field(None, max_length=1000, description="category slug_path")
    description: str = Field("", max_length=100_000)
    status: Status = "draft"
    published_at: IsoDateTime | None = None
    seo_title: str = Field("", max_length=200)
    seo_description: str = Field("", max_length=300)
    metadata: dict[str, Any] = Field(default_factory=dict)
    private_metadata: dict[str, Any] = Field(default_factory=dict)
    attributes: AttributeInput = Field(default_factory=dict)
    variants: list[VariantIn] = Field(default_factory=list, max_length=500)


class ProductPatch(PatchSchema):
    name: str = unset(min_length=1, max_length=250)
    slug: str = unset(max_length=255)
    category: str | None = Field(None, max_length=1000)
    description: str = unset(max_length=100_000)
    status: Status = unset()
    published_at: IsoDateTime | None = None
    seo_title: str = unset(max_length=200)
    seo_description: str = unset(max_length=300)
    metadata: dict[str, Any] = unset()
    private_metadata: dict[str, Any] = unset()
    attributes: AttributeInput = unset()


class BulkIn(InputSchema):
    action: Literal["publish", "unpublish", "archive", "delete", "change_price"]
    products: list[UUID] = Field(min_length=1, max_length=1000)
    mode: Literal["set", "amount", "percent"] | None = Field(
        None, description="For change_price: set a price, add an amount, or change by percent."
    )
    amount: PriceIn | None = None


class BulkOut(Schema):
    action: str
    affected: int


class MediaUrlIn(InputSchema):
    url: str = Field(min_length=8, max_length=1000, pattern=r"^https?://")
    alt: str = Field("", max_length=250)
    variants: list[UUID] = Field(default_factory=list, max_length=500)


class MediaPatch(PatchSchema):
    alt: str = unset(max_length=250)
    sort_order: StrictInt = unset(ge=0, le=100000)
    variants: list[UUID] = unset(max_length=500)


# --- admin: output --------------------------------------------------------------------------


class AttributeOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    slug: str
    input_type: str
    unit: str
    is_filterable: bool
    sort_order: int
    values: list[AttributeValueOut]


class ProductTypeOut(Schema):
    id: UUID
    name: str
    slug: str
    has_variants: bool
    product_attributes: list[str]
    variant_attributes: list[str]


class AdminCategoryOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    slug: str
    slug_path: str
    depth: int
    description: str
    seo_title: str
    seo_description: str
    metadata: dict[str, Any]


class AdminCollectionOut(CollectionOut):
    is_published: bool
    metadata: dict[str, Any]
    products: list[UUID]


class AdminVariantOut(VariantOut):
    cost_price: Money | None
    barcode: str
    track_inventory: bool
    sort_order: int


class AdminProductOut(Schema):
    id: UUID
    slug: str
    name: str
    description: str
    status: str
    published_at: datetime | None
    seo_title: str
    seo_description: str
    metadata: dict[str, Any]
    private_metadata: dict[str, Any]
    product_type: str
    category: CategoryRef | None
    collections: list[str]
    attributes: list[AssignedAttributeOut]
    variants: list[AdminVariantOut]
    media: list[MediaOut]
    price: PriceRange
    in_stock: bool
    created_at: datetime
    updated_at: datetime


class AdminProductListItem(Schema):
    id: UUID
    slug: str
    name: str
    status: str
    product_type: str
    category: str | None
    price: PriceRange
    variant_count: int
    updated_at: datetime


class AdminProductPage(Schema):
    items: list[AdminProductListItem]
    next: str | None


class ImportOut(Schema):
    id: UUID = Field(alias="public_id")
    status: str
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_failed: int
    errors: list[dict[str, Any]]
    error: str
    created_at: datetime
    finished_at: datetime | None
