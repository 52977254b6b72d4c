"""Admin: collections and their hand-picked products."""

from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.catalog import selectors, services
from mercato.catalog.api.common import actor, admin, get
from mercato.catalog.models import Collection
from mercato.catalog.schemas import (
    AdminCollectionOut,
    CollectionIn,
    CollectionOut,
    CollectionPatch,
    CollectionProductsIn,
)

CHANGE = "catalog.change_collection"


def _collection_out(collection: Collection) -> dict:
    """A collection with its products in order (prefetched for a list: one query for all)."""
    selectors.prefetch_collection_products(collection)
    return {
        **CollectionOut.model_validate(collection, from_attributes=True).model_dump(by_alias=True),
        "is_published": collection.is_published,
        "metadata": collection.metadata,
        "products": [e.product.public_id for e in collection.entries.all()],
    }


@admin.operation("get", "/catalog/collections", out=list[AdminCollectionOut])
def list_admin_collections(request: HttpRequest):
    return [_collection_out(c) for c in selectors.list_collections_with_products()]


@admin.create("/catalog/collections", out=AdminCollectionOut, permission="catalog.add_collection")
def create_collection(request: HttpRequest, payload: CollectionIn):
    changes = services.CollectionChanges(**payload.dict())
    collection = services.save_collection(actor=actor(request), changes=changes)
    return Status(201, _collection_out(collection))


@admin.update("/catalog/collections/{collection_id}", out=AdminCollectionOut, permission=CHANGE)
def update_collection(request: HttpRequest, collection_id: UUID, payload: CollectionPatch):
    collection = services.save_collection(
        actor=actor(request),
        collection=get(Collection, collection_id, "collection_not_found"),
        changes=services.CollectionChanges(**payload.dict(exclude_unset=True)),
    )
    return _collection_out(collection)


@admin.update(
    "/catalog/collections/{collection_id}/products",
    method="put",
    out=AdminCollectionOut,
    permission=CHANGE,
    errors=(404, 422),
)
def set_collection_products(
    request: HttpRequest, collection_id: UUID, payload: CollectionProductsIn
):
    """Replace the collection's products with this ordered list."""
    collection = get(Collection, collection_id, "collection_not_found")
    products = selectors.list_products_by_public_id(payload.products)
    by_public = {p.public_id: p.pk for p in products}
    services.set_collection_products(
        actor=actor(request),
        collection=collection,
        product_ids=[by_public[i] for i in payload.products],
    )
    return _collection_out(collection)


@admin.delete("/catalog/collections/{collection_id}", permission="catalog.delete_collection")
def delete_collection(request: HttpRequest, collection_id: UUID):
    collection = get(Collection, collection_id, "collection_not_found")
    services.delete_collection(actor=actor(request), collection=collection)
