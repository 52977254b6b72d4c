"""Product images: uploaded files or links to images hosted elsewhere."""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max

from mercato.audit.services import Actor, record_save, snapshot
from mercato.catalog.models import Product, ProductMedia
from mercato.catalog.services.common import record_deletion, set_given
from mercato.catalog.services.inputs import MediaChanges
from mercato.core.errors import InvalidInput
from mercato.core.urls_safety import check_public_url


def add_media(
    *,
    actor: Actor,
    product: Product,
    image: Any = None,
    external_url: str = "",
    alt: str = "",
    variant_ids: Sequence[int] = (),
) -> ProductMedia:
    if not image and not external_url:
        raise InvalidInput("Send an image file or an external_url.", field="image")
    if external_url:  # a link, never to this machine or the private network (422 unsafe_url)
        external_url = check_public_url(external_url, field="url")
    with transaction.atomic():
        position = (product.media.aggregate(top=Max("sort_order"))["top"] or 0) + 1
        media = ProductMedia(
            product=product, alt=alt, external_url=external_url, sort_order=position
        )
        if image:
            media.image = image
        media.save()
        if variant_ids:
            allowed = set(product.variants.filter(pk__in=variant_ids).values_list("pk", flat=True))
            if allowed != set(variant_ids):
                raise InvalidInput("A variant is not of this product.", field="variants")
            media.variants.set(allowed)
        record_save(actor=actor, obj=media, before=None)
    return media


def update_media(*, actor: Actor, media: ProductMedia, changes: MediaChanges) -> ProductMedia:
    given = changes.given()
    with transaction.atomic():
        before = snapshot(media)
        set_given(media, given, ("alt", "sort_order"))
        media.save()
        if "variant_ids" in given:
            ids = given["variant_ids"]
            allowed = set(media.product.variants.filter(pk__in=ids).values_list("pk", flat=True))
            if allowed != set(ids):
                raise InvalidInput("A variant is not of this product.", field="variants")
            media.variants.set(allowed)
        record_save(actor=actor, obj=media, before=before)
    return media


def delete_media(*, actor: Actor, media: ProductMedia) -> None:
    with transaction.atomic():
        before = snapshot(media)
        storage_name = media.image.name if media.image else ""
        storage = media.image.storage if media.image else None
        media.delete()
        record_deletion(media, actor=actor, before=before)
        if storage and storage_name:
            transaction.on_commit(lambda: storage.delete(storage_name))
