"""Admin: product images, uploaded or linked."""

from uuid import UUID

from django.http import HttpRequest
from ninja import File, Form
from ninja.files import UploadedFile
from ninja.responses import Status
from PIL import Image, UnidentifiedImageError

from mercato.catalog import presenters, selectors, services
from mercato.catalog.api.common import actor, admin, get
from mercato.catalog.errors import ImageTooLarge
from mercato.catalog.models import Product, ProductMedia
from mercato.catalog.schemas import MediaOut, MediaPatch, MediaUrlIn
from mercato.core.errors import InvalidInput

CHANGE = "catalog.change_product"
MAX_IMAGE_BYTES = 10 * 1024 * 1024


def _check_image(image: UploadedFile) -> None:
    if (image.size or 0) > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"An image has at most {MAX_IMAGE_BYTES} bytes.", field="image")
    try:
        Image.open(image).verify()
        image.seek(0)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput(
            "The file is not an image.", code="invalid_image", field="image"
        ) from exc


@admin.create(
    "/catalog/products/{product_id}/media", out=MediaOut, permission=CHANGE, errors=(404, 413, 422)
)
def upload_media(
    request: HttpRequest,
    product_id: UUID,
    image: File[UploadedFile],
    alt: Form[str] = "",
):
    """Upload an image (multipart/form-data: `image`, `alt`)."""
    product = get(Product, product_id, "product_not_found")
    _check_image(image)
    media = services.add_media(actor=actor(request), product=product, image=image, alt=alt[:250])
    return Status(201, presenters.media_out(media))


@admin.create(
    "/catalog/products/{product_id}/media/url", out=MediaOut, permission=CHANGE, errors=(404, 422)
)
def add_media_url(request: HttpRequest, product_id: UUID, payload: MediaUrlIn):
    """Link an image hosted elsewhere."""
    product = get(Product, product_id, "product_not_found")
    media = services.add_media(
        actor=actor(request),
        product=product,
        external_url=payload.url,
        alt=payload.alt,
        variant_ids=selectors.get_variant_pks(product, payload.variants),
    )
    return Status(201, presenters.media_out(media))


@admin.update("/catalog/media/{media_id}", out=MediaOut, permission=CHANGE, errors=(404, 422))
def update_media(request: HttpRequest, media_id: UUID, payload: MediaPatch):
    media = get(ProductMedia, media_id, "media_not_found")
    changes = payload.dict(exclude_unset=True)
    if "variants" in changes:
        changes["variant_ids"] = selectors.get_variant_pks(media.product, changes.pop("variants"))
    media = services.update_media(
        actor=actor(request), media=media, changes=services.MediaChanges(**changes)
    )
    return presenters.media_out(media)


@admin.delete("/catalog/media/{media_id}", permission=CHANGE)
def delete_media(request: HttpRequest, media_id: UUID):
    media = get(ProductMedia, media_id, "media_not_found")
    services.delete_media(actor=actor(request), media=media)
