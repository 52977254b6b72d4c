"""Catalog: every change to attributes, product types, categories, collections, products,
variants and media. Each function owns its transaction, keeps the denormalised columns
(price range, facets, search entry, in-stock flag) current, and writes the audit log.

One module per business concern; the public functions are re-exported here, so
`from mercato.catalog import services` then `services.create_product(...)` is the way in."""

from mercato.catalog.services.attributes import (
    add_attribute_value,
    create_attribute,
    delete_attribute,
    delete_attribute_value,
    update_attribute,
)
from mercato.catalog.services.bulk import bulk_change_price, bulk_delete_products, bulk_set_status
from mercato.catalog.services.categories import (
    create_category,
    delete_category,
    move_category,
    update_category,
)
from mercato.catalog.services.collections import (
    delete_collection,
    save_collection,
    set_collection_products,
)
from mercato.catalog.services.common import clean_price, make_slug
from mercato.catalog.services.derived import refresh_products, set_in_stock
from mercato.catalog.services.inputs import (
    AttributeChanges,
    CategoryChanges,
    CollectionChanges,
    MediaChanges,
    ProductChanges,
    VariantChanges,
)
from mercato.catalog.services.media import add_media, delete_media, update_media
from mercato.catalog.services.product_types import delete_product_type, save_product_type
from mercato.catalog.services.products import create_product, delete_product, update_product
from mercato.catalog.services.variants import create_variant, delete_variant, update_variant

__all__ = [
    "AttributeChanges",
    "CategoryChanges",
    "CollectionChanges",
    "MediaChanges",
    "ProductChanges",
    "VariantChanges",
    "add_attribute_value",
    "add_media",
    "bulk_change_price",
    "bulk_delete_products",
    "bulk_set_status",
    "clean_price",
    "create_attribute",
    "create_category",
    "create_product",
    "create_variant",
    "delete_attribute",
    "delete_attribute_value",
    "delete_category",
    "delete_collection",
    "delete_media",
    "delete_product",
    "delete_product_type",
    "delete_variant",
    "make_slug",
    "move_category",
    "refresh_products",
    "save_collection",
    "save_product_type",
    "set_collection_products",
    "set_in_stock",
    "update_attribute",
    "update_category",
    "update_media",
    "update_product",
    "update_variant",
]
