"""Collections: hand-picked, ordered lists of products."""

from django.db import transaction

from mercato.audit.services import Actor, record_change, record_save, snapshot
from mercato.catalog.cache import bump_catalog_version
from mercato.catalog.models import Collection, CollectionProduct
from mercato.catalog.services.common import (
    delete_audited,
    locked,
    make_slug,
    save_unique,
    set_given,
)
from mercato.catalog.services.inputs import CollectionChanges

COLLECTION_FIELDS = (
    "name",
    "description",
    "is_published",
    "seo_title",
    "seo_description",
    "metadata",
)


def save_collection(
    *, actor: Actor, collection: Collection | None = None, changes: CollectionChanges
) -> Collection:
    given = changes.given()
    with transaction.atomic():
        creating = collection is None
        if collection is None:
            collection, before = Collection(), None
        else:
            collection = locked(collection)
            before = snapshot(collection)
        set_given(collection, given, COLLECTION_FIELDS)
        if "slug" in given or creating:
            collection.slug = make_slug(given.get("slug") or collection.name)
        save_unique(collection)
        record_save(actor=actor, obj=collection, before=before)
    return collection


def set_collection_products(
    *, actor: Actor, collection: Collection, product_ids: list[int]
) -> None:
    """Make the collection hold exactly these products, in this order."""
    bump_catalog_version()
    with transaction.atomic():
        before = list(collection.entries.values_list("product_id", flat=True))
        collection.entries.all().delete()
        CollectionProduct.objects.bulk_create(
            CollectionProduct(collection=collection, product_id=pk, sort_order=i)
            for i, pk in enumerate(dict.fromkeys(product_ids))
        )
        record_change(
            actor=actor,
            action="update",
            obj=collection,
            verb="collection.set_products",
            before={"products": before},
            after={"products": list(dict.fromkeys(product_ids))},
        )


def delete_collection(*, actor: Actor, collection: Collection) -> None:
    with transaction.atomic():
        delete_audited(collection, actor=actor)
