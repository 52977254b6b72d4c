"""Collections: hand-picked, ordered lists of products."""

from typing import Any

from django.db import transaction

from mercato.audit.services import Actor, record_change, snapshot
from mercato.catalog.cache import bump_catalog_version
from mercato.catalog.models import Collection, CollectionProduct
from mercato.catalog.services.common import delete_audited, make_slug, save_unique


def save_collection(
    *, actor: Actor, collection: Collection | None = None, changes: dict[str, Any]
) -> Collection:
    with transaction.atomic():
        creating = collection is None
        if collection is None:
            collection, before = Collection(), None
        else:
            collection = Collection.objects.select_for_update().get(pk=collection.pk)
            before = snapshot(collection)
        for name in (
            "name",
            "description",
            "is_published",
            "seo_title",
            "seo_description",
            "metadata",
        ):
            if name in changes:
                setattr(collection, name, changes[name])
        if "slug" in changes or creating:
            collection.slug = make_slug(changes.get("slug") or collection.name)
        save_unique(collection)
        record_change(
            actor=actor,
            action="create" if creating else "update",
            obj=collection,
            before=before,
            after=snapshot(collection),
        )
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
