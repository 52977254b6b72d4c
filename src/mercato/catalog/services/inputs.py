"""Typed inputs of the catalog services (built by the API handlers from their validated
input schemas, by the admin and by the CSV import). A field left UNSET keeps its value (a new
object takes the model's default)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from mercato.catalog.models import Category, ProductType
from mercato.core.inputs import UNSET, Changes, Unset

AttributeValue = str | int | float | bool | list[str] | None
AttributeValues = Mapping[str, AttributeValue]  # {attribute slug: value or [values]}
Amount = Decimal | str | int | float  # checked by clean_price (422 invalid_price)


@dataclass(frozen=True, kw_only=True)
class VariantChanges(Changes):
    """A variant's fields; a new variant needs `sku` and `price`. `attributes` replaces the
    values of the attributes it names."""

    sku: str | Unset = UNSET
    name: str | Unset = UNSET
    price: Amount | Unset = UNSET
    compare_at_price: Amount | Unset | None = UNSET
    cost_price: Amount | Unset | None = UNSET
    weight_grams: int | Unset | None = UNSET
    barcode: str | Unset = UNSET
    track_inventory: bool | Unset = UNSET
    sort_order: int | Unset = UNSET
    attributes: AttributeValues | Unset | None = UNSET


@dataclass(frozen=True, kw_only=True)
class NamedChanges(Changes):
    """The name and slug of an attribute, a category, a collection or a product."""

    name: str | Unset = UNSET
    slug: str | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class PageChanges(NamedChanges):
    """The storefront page of a category, a collection or a product: its text, SEO fields and
    public metadata."""

    description: str | Unset = UNSET
    seo_title: str | Unset = UNSET
    seo_description: str | Unset = UNSET
    metadata: dict[str, Any] | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class ProductChanges(PageChanges):
    """A product's fields; a new product needs `name` and `product_type` (its slug is made
    from `slug`, or the name) and may come with its `variants`."""

    product_type: ProductType | Unset = UNSET
    category: Category | Unset | None = UNSET
    status: str | Unset = UNSET
    published_at: datetime | Unset | None = UNSET
    private_metadata: dict[str, Any] | Unset = UNSET
    attributes: AttributeValues | Unset | None = UNSET
    variants: Sequence[VariantChanges] | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class AttributeChanges(NamedChanges):
    unit: str | Unset = UNSET
    is_filterable: bool | Unset = UNSET
    sort_order: int | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class CategoryChanges(PageChanges):
    """A category's fields (its place in the tree changes by a move)."""


@dataclass(frozen=True, kw_only=True)
class CollectionChanges(PageChanges):
    """A collection's fields; the slug of a new one is made from `slug`, or the name."""

    is_published: bool | Unset = UNSET


@dataclass(frozen=True, kw_only=True)
class MediaChanges(Changes):
    """An image's fields; `variant_ids` (pks of the product's variants) replaces the list."""

    alt: str | Unset = UNSET
    sort_order: int | Unset = UNSET
    variant_ids: Sequence[int] | Unset = UNSET
