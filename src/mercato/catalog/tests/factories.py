"""Catalog test data, built through the catalog services (as staff would build it)."""

import itertools
from typing import Any

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import SYSTEM
from mercato.catalog import services
from mercato.catalog.models import (
    AssignedAttribute,
    Attribute,
    AttributeValue,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductMedia,
    ProductType,
    ProductTypeAttribute,
    ProductVariant,
)
from mercato.core.models import Event

CATALOG_MODELS = [
    Attribute,
    AttributeValue,
    ProductType,
    ProductTypeAttribute,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductVariant,
    AssignedAttribute,
    ProductMedia,
    ProductMedia.variants.through,
    AuditLogEntry,
    Event,
]

_numbers = itertools.count(1)


def next_number() -> int:
    return next(_numbers)


def make_attribute(
    name: str, input_type: str = "single_choice", values: list[str] = (), **kwargs: Any
) -> Attribute:
    return services.create_attribute(
        actor=SYSTEM, name=name, input_type=input_type, values=list(values), **kwargs
    )


def make_product_type(
    name: str = "", *, product_attributes: list[str] = (), variant_attributes: list[str] = (), **kw
) -> ProductType:
    return services.save_product_type(
        actor=SYSTEM,
        name=name or f"Type {next_number()}",
        product_attributes=list(product_attributes),
        variant_attributes=list(variant_attributes),
        **kw,
    )


def make_category(name: str, parent: Category | None = None, **kwargs: Any) -> Category:
    return services.create_category(actor=SYSTEM, name=name, parent=parent, **kwargs)


def make_collection(
    name: str, products: list[Product] = (), *, published: bool = True
) -> Collection:
    collection = services.save_collection(
        actor=SYSTEM, changes=services.CollectionChanges(name=name, is_published=published)
    )
    if products:
        services.set_collection_products(
            actor=SYSTEM, collection=collection, product_ids=[p.pk for p in products]
        )
    return collection


def variant(price: Any = "10.00", sku: str = "", **data: Any) -> services.VariantChanges:
    return services.VariantChanges(sku=sku or f"SKU-{next_number():05d}", price=price, **data)


def tee(size: str, colour: str, price: Any, **data: Any) -> services.VariantChanges:
    """A T-shirt variant (see the `tshirt_type` fixture)."""
    return variant(price, attributes={"size": size, "colour": colour}, **data)


def make_product(
    name: str = "",
    *,
    product_type: ProductType | None = None,
    prices: list[Any] = ("10.00",),
    variants: list[services.VariantChanges] | None = None,
    status: str = Product.Status.PUBLISHED,
    **data: Any,
) -> Product:
    """A product with one variant per price (or the given `variants`), published by default."""
    name = name or f"Product {next_number()}"
    return services.create_product(
        actor=SYSTEM,
        changes=services.ProductChanges(
            name=name,
            product_type=product_type or make_product_type(),
            status=status,
            variants=variants if variants is not None else [variant(p) for p in prices],
            **data,
        ),
    )


def catalog_state() -> dict[str, list[tuple]]:
    """Every catalog row (and the audit log and event outbox), to show that a refused request
    changed nothing: compare the state before and after."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in CATALOG_MODELS
    }
