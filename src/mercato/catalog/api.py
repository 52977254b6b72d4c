from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, prefetch_related_objects
from django.http import HttpRequest, StreamingHttpResponse
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from PIL import Image, UnidentifiedImageError
from pydantic import Field

from mercato.accounts.authentication import AdminAuth
from mercato.accounts.services import actor_for
from mercato.catalog import csv_io, presenters, selectors, services
from mercato.catalog.errors import ImageTooLarge
from mercato.catalog.models import (
    Attribute,
    AttributeValue,
    Category,
    Collection,
    Product,
    ProductImport,
    ProductMedia,
    ProductType,
    ProductTypeAttribute,
    ProductVariant,
)
from mercato.catalog.schemas import (
    AdminCategoryOut,
    AdminCollectionOut,
    AdminProductOut,
    AdminProductPage,
    AttributeIn,
    AttributeOut,
    AttributePatch,
    AttributeValueIn,
    BulkIn,
    BulkOut,
    CategoryIn,
    CategoryMoveIn,
    CategoryNode,
    CategoryPatch,
    CollectionIn,
    CollectionOut,
    CollectionPatch,
    CollectionProductsIn,
    ImportOut,
    MediaOut,
    MediaPatch,
    MediaUrlIn,
    ProductDetail,
    ProductIn,
    ProductPage,
    ProductPatch,
    ProductTypeIn,
    ProductTypeOut,
    ProductTypePatch,
    VariantIn,
    VariantPatch,
)
from mercato.core.clientip import get_client_ip
from mercato.core.errors import InvalidInput, NotFound, PermissionDenied
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import problems

store_router = Router(tags=["store: catalog"])
admin_router = Router(tags=["admin: catalog"])

CURRENCY = settings.STORE_CURRENCY


# --- store ----------------------------------------------------------------------------------


class ProductListParams(Schema):
    category: str = Field(
        "", max_length=1000, description="Category slug path; includes subcategories."
    )
    collection: str = Field("", max_length=100, description="Collection slug.")
    attr: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Attribute filter, e.g. size:m,l (repeatable).",
    )
    price_min: Decimal | None = Field(None, ge=0, le=Decimal("9999999999"))
    price_max: Decimal | None = Field(None, ge=0, le=Decimal("9999999999"))
    in_stock: bool | None = None
    q: str = Field("", max_length=200, description="Search words (prefix matching).")
    sort: str = Field(
        "",
        max_length=20,
        description="relevance (default when searching), collection (default with a collection "
        "filter: the hand-picked order), newest (otherwise), oldest, price, -price, name, -name",
    )
    facets: bool = Field(True, description="Include facet counts for the current filter.")
    limit: int = Field(24, ge=1, le=100)
    cursor: str | None = Field(None, max_length=512)


def _list_prefetch(products: list[Product]) -> list[Product]:
    prefetch_related_objects(
        products,
        "category",
        Prefetch("media", queryset=ProductMedia.objects.order_by("sort_order", "id")),
    )
    return products


@store_router.get("/products", response={200: ProductPage, **problems(422)}, auth=None)
def list_products(request: HttpRequest, params: Query[ProductListParams]):
    """Published products with filters, sorts, search and facet counts."""
    filters = selectors.ProductFilters(
        category=params.category,
        collection=params.collection,
        attributes=selectors.parse_attribute_filters(params.attr),
        price_min=params.price_min,
        price_max=params.price_max,
        in_stock=params.in_stock,
        q=params.q,
        sort=params.sort,
    )
    page = selectors.list_products(filters, limit=params.limit, cursor=params.cursor)
    items = [presenters.list_item(p, CURRENCY) for p in _list_prefetch(page["items"])]
    return {
        "items": items,
        "next": page["next"],
        "facets": selectors.facets(filters) if params.facets else None,
    }


@store_router.get("/products/{key}", response={200: ProductDetail, **problems(404)}, auth=None)
def get_product(request: HttpRequest, key: str):
    """A published product by id or slug, with variants, media, attributes, breadcrumbs."""
    return presenters.product_detail(selectors.get_visible_product(key=key), CURRENCY)


@store_router.get("/categories", response=list[CategoryNode], auth=None)
def category_tree(request: HttpRequest):
    """The category tree with the number of published products in each (subcategories
    included)."""
    return selectors.category_tree()


@store_router.get("/collections", response=list[CollectionOut], auth=None)
def list_collections(request: HttpRequest):
    return list(selectors.list_published_collections())


@store_router.get("/collections/{slug}", response={200: CollectionOut, **problems(404)}, auth=None)
def get_collection(request: HttpRequest, slug: str):
    """A published collection; its products: GET /products?collection=<slug>."""
    return selectors.get_published_collection(slug=slug)


# --- admin helpers --------------------------------------------------------------------------


def _actor(request: HttpRequest):
    return actor_for(request.auth, ip=get_client_ip(request))


def _get(model, public_id: UUID, code: str, queryset=None):
    return selectors.get_by_public_id(model, public_id, code=code, queryset=queryset)


def _product_type(slug: str) -> ProductType:
    product_type = ProductType.objects.filter(slug=slug).first()
    if product_type is None:
        raise InvalidInput(
            f"No product type {slug!r}.", code="unknown_product_type", field="product_type"
        )
    return product_type


def _category(slug_path: str | None, field: str = "category") -> Category | None:
    if not slug_path:
        return None
    category = Category.objects.filter(slug_path=slug_path.strip("/")).first()
    if category is None:
        raise InvalidInput(f"No category {slug_path!r}.", code="unknown_category", field=field)
    return category


def _admin_product(product: Product) -> dict:
    product = selectors.product_detail_queryset().prefetch_related("collections").get(pk=product.pk)
    return presenters.product_detail(product, CURRENCY, admin=True)


def _product_type_out(product_type: ProductType) -> dict:
    rows = list(product_type.type_attributes.all())
    return {
        "id": product_type.public_id,
        "name": product_type.name,
        "slug": product_type.slug,
        "has_variants": product_type.has_variants,
        "product_attributes": [r.attribute.slug for r in rows if not r.variant_attribute],
        "variant_attributes": [r.attribute.slug for r in rows if r.variant_attribute],
    }


def _collection_out(collection: Collection) -> dict:
    """A collection with its products in order (prefetched for a list: one query for all)."""
    if "entries" not in getattr(collection, "_prefetched_objects_cache", {}):
        prefetch_related_objects([collection], "entries__product")
    return {
        **CollectionOut.model_validate(collection, from_attributes=True).model_dump(by_alias=True),
        "is_published": collection.is_published,
        "metadata": collection.metadata,
        "products": [e.product.public_id for e in collection.entries.all()],
    }


def _products(ids: list[UUID]) -> list[Product]:
    products = list(Product.objects.filter(public_id__in=ids))
    if len(products) != len(set(ids)):
        raise NotFound("Some products do not exist.", code="product_not_found")
    return products


# --- admin: attributes ----------------------------------------------------------------------

VIEW = AdminAuth("catalog.view_product")


@admin_router.get(
    "/catalog/attributes", response={200: list[AttributeOut], **problems(401, 403)}, auth=VIEW
)
def list_attributes(request: HttpRequest):
    return list(selectors.list_attributes())


@admin_router.post(
    "/catalog/attributes",
    response={201: AttributeOut, **problems(401, 403, 409, 422)},
    auth=AdminAuth("catalog.add_attribute"),
)
def create_attribute(request: HttpRequest, payload: AttributeIn):
    attribute = services.create_attribute(actor=_actor(request), **payload.dict())
    return Status(201, selectors.list_attributes().get(pk=attribute.pk))


@admin_router.patch(
    "/catalog/attributes/{attribute_id}",
    response={200: AttributeOut, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("catalog.change_attribute"),
)
def update_attribute(request: HttpRequest, attribute_id: UUID, payload: AttributePatch):
    attribute = _get(Attribute, attribute_id, "attribute_not_found")
    services.update_attribute(
        actor=_actor(request), attribute=attribute, changes=payload.dict(exclude_unset=True)
    )
    return selectors.list_attributes().get(pk=attribute.pk)


@admin_router.delete(
    "/catalog/attributes/{attribute_id}",
    response={204: None, **problems(401, 403, 404, 409)},
    auth=AdminAuth("catalog.delete_attribute"),
)
def delete_attribute(request: HttpRequest, attribute_id: UUID):
    services.delete_attribute(
        actor=_actor(request), attribute=_get(Attribute, attribute_id, "attribute_not_found")
    )
    return Status(204, None)


@admin_router.post(
    "/catalog/attributes/{attribute_id}/values",
    response={201: AttributeOut, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("catalog.change_attribute"),
)
def add_attribute_value(request: HttpRequest, attribute_id: UUID, payload: AttributeValueIn):
    attribute = _get(Attribute, attribute_id, "attribute_not_found")
    services.add_attribute_value(actor=_actor(request), attribute=attribute, **payload.dict())
    return Status(201, selectors.list_attributes().get(pk=attribute.pk))


@admin_router.delete(
    "/catalog/attributes/{attribute_id}/values/{value_slug}",
    response={204: None, **problems(401, 403, 404, 409)},
    auth=AdminAuth("catalog.change_attribute"),
)
def delete_attribute_value(request: HttpRequest, attribute_id: UUID, value_slug: str):
    attribute = _get(Attribute, attribute_id, "attribute_not_found")
    value = AttributeValue.objects.filter(attribute=attribute, slug=value_slug).first()
    if value is None:
        raise NotFound("No such value.", code="attribute_value_not_found")
    services.delete_attribute_value(actor=_actor(request), value=value)
    return Status(204, None)


# --- admin: product types -------------------------------------------------------------------


@admin_router.get(
    "/catalog/product-types", response={200: list[ProductTypeOut], **problems(401, 403)}, auth=VIEW
)
def list_product_types(request: HttpRequest):
    types = ProductType.objects.prefetch_related(
        Prefetch(
            "type_attributes",
            queryset=ProductTypeAttribute.objects.select_related("attribute"),
        )
    )
    return [_product_type_out(t) for t in types]


@admin_router.post(
    "/catalog/product-types",
    response={201: ProductTypeOut, **problems(401, 403, 409, 422)},
    auth=AdminAuth("catalog.add_producttype"),
)
def create_product_type(request: HttpRequest, payload: ProductTypeIn):
    product_type = services.save_product_type(actor=_actor(request), **payload.dict())
    return Status(201, _product_type_out(product_type))


@admin_router.get(
    "/catalog/product-types/{type_id}",
    response={200: ProductTypeOut, **problems(401, 403, 404)},
    auth=VIEW,
)
def get_product_type(request: HttpRequest, type_id: UUID):
    return _product_type_out(_get(ProductType, type_id, "product_type_not_found"))


@admin_router.patch(
    "/catalog/product-types/{type_id}",
    response={200: ProductTypeOut, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("catalog.change_producttype"),
)
def update_product_type(request: HttpRequest, type_id: UUID, payload: ProductTypePatch):
    product_type = services.save_product_type(
        actor=_actor(request),
        product_type=_get(ProductType, type_id, "product_type_not_found"),
        **payload.dict(exclude_unset=True),
    )
    return _product_type_out(product_type)


@admin_router.delete(
    "/catalog/product-types/{type_id}",
    response={204: None, **problems(401, 403, 404, 409)},
    auth=AdminAuth("catalog.delete_producttype"),
)
def delete_product_type(request: HttpRequest, type_id: UUID):
    services.delete_product_type(
        actor=_actor(request), product_type=_get(ProductType, type_id, "product_type_not_found")
    )
    return Status(204, None)


# --- admin: categories ----------------------------------------------------------------------


@admin_router.get(
    "/catalog/categories", response={200: list[AdminCategoryOut], **problems(401, 403)}, auth=VIEW
)
def list_categories(request: HttpRequest):
    """Every category in tree order (depth tells the level)."""
    return list(Category.objects.get_tree())


@admin_router.post(
    "/catalog/categories",
    response={201: AdminCategoryOut, **problems(401, 403, 409, 422)},
    auth=AdminAuth("catalog.add_category"),
)
def create_category(request: HttpRequest, payload: CategoryIn):
    data = payload.dict()
    parent = _category(data.pop("parent"), field="parent")
    return Status(201, services.create_category(actor=_actor(request), parent=parent, **data))


@admin_router.patch(
    "/catalog/categories/{category_id}",
    response={200: AdminCategoryOut, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("catalog.change_category"),
)
def update_category(request: HttpRequest, category_id: UUID, payload: CategoryPatch):
    category = _get(Category, category_id, "category_not_found")
    return services.update_category(
        actor=_actor(request), category=category, changes=payload.dict(exclude_unset=True)
    )


@admin_router.post(
    "/catalog/categories/{category_id}/move",
    response={200: AdminCategoryOut, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("catalog.change_category"),
)
def move_category(request: HttpRequest, category_id: UUID, payload: CategoryMoveIn):
    """Move a category with its subtree under (or beside) another, or to the top level."""
    category = _get(Category, category_id, "category_not_found")
    target = _category(payload.target, field="target")
    return services.move_category(
        actor=_actor(request), category=category, target=target, position=payload.position
    )


@admin_router.delete(
    "/catalog/categories/{category_id}",
    response={204: None, **problems(401, 403, 404, 409)},
    auth=AdminAuth("catalog.delete_category"),
)
def delete_category(request: HttpRequest, category_id: UUID):
    services.delete_category(
        actor=_actor(request), category=_get(Category, category_id, "category_not_found")
    )
    return Status(204, None)


# --- admin: collections ---------------------------------------------------------------------


@admin_router.get(
    "/catalog/collections",
    response={200: list[AdminCollectionOut], **problems(401, 403)},
    auth=VIEW,
)
def list_admin_collections(request: HttpRequest):
    return [_collection_out(c) for c in Collection.objects.prefetch_related("entries__product")]


@admin_router.post(
    "/catalog/collections",
    response={201: AdminCollectionOut, **problems(401, 403, 409, 422)},
    auth=AdminAuth("catalog.add_collection"),
)
def create_collection(request: HttpRequest, payload: CollectionIn):
    collection = services.save_collection(actor=_actor(request), changes=payload.dict())
    return Status(201, _collection_out(collection))


@admin_router.patch(
    "/catalog/collections/{collection_id}",
    response={200: AdminCollectionOut, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("catalog.change_collection"),
)
def update_collection(request: HttpRequest, collection_id: UUID, payload: CollectionPatch):
    collection = services.save_collection(
        actor=_actor(request),
        collection=_get(Collection, collection_id, "collection_not_found"),
        changes=payload.dict(exclude_unset=True),
    )
    return _collection_out(collection)


@admin_router.put(
    "/catalog/collections/{collection_id}/products",
    response={200: AdminCollectionOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("catalog.change_collection"),
)
def set_collection_products(
    request: HttpRequest, collection_id: UUID, payload: CollectionProductsIn
):
    """Replace the collection's products with this ordered list."""
    collection = _get(Collection, collection_id, "collection_not_found")
    by_public = {p.public_id: p.pk for p in _products(payload.products)}
    services.set_collection_products(
        actor=_actor(request),
        collection=collection,
        product_ids=[by_public[i] for i in payload.products],
    )
    return _collection_out(collection)


@admin_router.delete(
    "/catalog/collections/{collection_id}",
    response={204: None, **problems(401, 403, 404)},
    auth=AdminAuth("catalog.delete_collection"),
)
def delete_collection(request: HttpRequest, collection_id: UUID):
    services.delete_collection(
        actor=_actor(request), collection=_get(Collection, collection_id, "collection_not_found")
    )
    return Status(204, None)


# --- admin: products ------------------------------------------------------------------------


class AdminProductParams(Schema):
    status: str = Field("", max_length=10)
    search: str = Field("", max_length=200, description="Name, slug or SKU contains")
    category: str = Field("", max_length=1000)
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=512)


@admin_router.get(
    "/catalog/products", response={200: AdminProductPage, **problems(401, 403, 422)}, auth=VIEW
)
def list_admin_products(request: HttpRequest, params: Query[AdminProductParams]):
    """Every product (any status), newest first."""
    products = Product.objects.select_related("product_type", "category").annotate(
        variant_count=Count("variants")
    )
    if params.status:
        products = products.filter(status=params.status)
    if params.category:
        category = _category(params.category)
        products = products.filter(category__path__startswith=category.path)
    if params.search:  # Exists, not a join: a join would multiply variant_count
        sku = ProductVariant.objects.filter(product=OuterRef("pk"), sku__icontains=params.search)
        products = products.filter(
            Q(name__icontains=params.search) | Q(slug__icontains=params.search) | Exists(sku)
        )

    def item(product: Product) -> dict:
        return {
            "id": product.public_id,
            "slug": product.slug,
            "name": product.name,
            "status": product.status,
            "product_type": product.product_type.slug,
            "category": product.category.slug_path if product.category else None,
            "price": presenters.price_range(product, CURRENCY),
            "variant_count": product.variant_count,
            "updated_at": product.updated_at,
        }

    return paginate(
        products, params=PageParams(limit=params.limit, cursor=params.cursor), transform=item
    )


@admin_router.post(
    "/catalog/products",
    response={201: AdminProductOut, **problems(401, 403, 409, 422)},
    auth=AdminAuth("catalog.add_product"),
)
def create_product(request: HttpRequest, payload: ProductIn):
    """A product with its attributes and variants in one call."""
    data = payload.dict()
    data["product_type"] = _product_type(data["product_type"])
    data["category"] = _category(data.get("category"))
    product = services.create_product(actor=_actor(request), data=data)
    return Status(201, _admin_product(product))


@admin_router.post(
    "/catalog/products/bulk",
    response={200: BulkOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("catalog.change_product"),
)
def bulk_products(request: HttpRequest, payload: BulkIn):
    """Publish, unpublish (back to draft), archive, delete, or change the price of many
    products at once: all or nothing."""
    actor = _actor(request)
    products = _products(payload.products)
    if payload.action == "delete":
        if not request.auth.has_perms("catalog.delete_product"):
            raise PermissionDenied(required=["catalog.delete_product"])
        affected = services.bulk_delete_products(actor=actor, products=products)
    elif payload.action == "change_price":
        if payload.mode is None or payload.amount is None:
            raise InvalidInput("change_price needs mode and amount.", field="amount")
        affected = services.bulk_change_price(
            actor=actor, products=products, mode=payload.mode, amount=payload.amount
        )
    else:
        status = {"publish": "published", "unpublish": "draft", "archive": "archived"}[
            payload.action
        ]
        affected = services.bulk_set_status(actor=actor, products=products, status=status)
    return BulkOut(action=payload.action, affected=affected)


# --- admin: CSV -----------------------------------------------------------------------------


@admin_router.get(
    "/catalog/products/export.csv",
    response={200: None, **problems(401, 403)},
    auth=VIEW,
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
)
def export_products(request: HttpRequest):
    """Every product and variant as CSV, one row per variant, streamed."""
    response = StreamingHttpResponse(csv_io.export_rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="products.csv"'
    return response


@admin_router.post(
    "/catalog/products/import",
    response={202: ImportOut, **problems(400, 401, 403, 413, 422)},
    auth=AdminAuth("catalog.add_product", "catalog.change_product"),
)
def import_products(request: HttpRequest, file: File[UploadedFile]):
    """Upload a CSV (the export's columns) to upsert products and variants by SKU. The file
    is checked at once (columns, encoding); the rows are imported by the worker: poll
    GET /catalog/imports/{id} for the report."""
    product_import = csv_io.start_import(file=file, actor=_actor(request))
    return Status(202, product_import)


# The fixed paths under /catalog/products/ (bulk, export.csv, import) are registered before
# /catalog/products/{product_id}, which would otherwise take them for an id.


@admin_router.get(
    "/catalog/products/{product_id}",
    response={200: AdminProductOut, **problems(401, 403, 404)},
    auth=VIEW,
)
def get_admin_product(request: HttpRequest, product_id: UUID):
    return _admin_product(_get(Product, product_id, "product_not_found"))


@admin_router.patch(
    "/catalog/products/{product_id}",
    response={200: AdminProductOut, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("catalog.change_product"),
)
def update_product(request: HttpRequest, product_id: UUID, payload: ProductPatch):
    data = payload.dict(exclude_unset=True)
    if "category" in data:
        data["category"] = _category(data["category"])
    product = services.update_product(
        actor=_actor(request), product=_get(Product, product_id, "product_not_found"), data=data
    )
    return _admin_product(product)


@admin_router.delete(
    "/catalog/products/{product_id}",
    response={204: None, **problems(401, 403, 404)},
    auth=AdminAuth("catalog.delete_product"),
)
def delete_product(request: HttpRequest, product_id: UUID):
    services.delete_product(
        actor=_actor(request), product=_get(Product, product_id, "product_not_found")
    )
    return Status(204, None)


# --- admin: variants ------------------------------------------------------------------------


def _variant_out(variant: ProductVariant) -> dict:
    product = _admin_product(variant.product)
    return next(v for v in product["variants"] if v["id"] == variant.public_id)


@admin_router.post(
    "/catalog/products/{product_id}/variants",
    response={201: dict, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("catalog.change_product"),
)
def create_variant(request: HttpRequest, product_id: UUID, payload: VariantIn):
    product = _get(Product, product_id, "product_not_found")
    variant = services.create_variant(actor=_actor(request), product=product, data=payload.dict())
    return Status(201, _variant_out(variant))


@admin_router.patch(
    "/catalog/variants/{variant_id}",
    response={200: dict, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("catalog.change_product"),
)
def update_variant(request: HttpRequest, variant_id: UUID, payload: VariantPatch):
    variant = _get(ProductVariant, variant_id, "variant_not_found")
    variant = services.update_variant(
        actor=_actor(request), variant=variant, data=payload.dict(exclude_unset=True)
    )
    return _variant_out(variant)


@admin_router.delete(
    "/catalog/variants/{variant_id}",
    response={204: None, **problems(401, 403, 404)},
    auth=AdminAuth("catalog.change_product"),
)
def delete_variant(request: HttpRequest, variant_id: UUID):
    services.delete_variant(
        actor=_actor(request), variant=_get(ProductVariant, variant_id, "variant_not_found")
    )
    return Status(204, None)


# --- admin: media ---------------------------------------------------------------------------


def _variant_ids(product: Product, ids: list[UUID]) -> list[int]:
    found = dict(product.variants.filter(public_id__in=ids).values_list("public_id", "pk"))
    if len(found) != len(set(ids)):
        raise InvalidInput(
            "A variant is not of this product.", code="unknown_variant", field="variants"
        )
    return list(found.values())


MAX_IMAGE_BYTES = 10 * 1024 * 1024


@admin_router.post(
    "/catalog/products/{product_id}/media",
    response={201: MediaOut, **problems(401, 403, 404, 413, 422)},
    auth=AdminAuth("catalog.change_product"),
)
def upload_media(
    request: HttpRequest,
    product_id: UUID,
    image: File[UploadedFile],
    alt: Form[str] = "",
):
    """Upload an image (multipart/form-data: `image`, `alt`)."""
    product = _get(Product, product_id, "product_not_found")
    if image.size > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"An image has at most {MAX_IMAGE_BYTES} bytes.", field="image")
    try:
        Image.open(image).verify()
        image.seek(0)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput(
            "The file is not an image.", code="invalid_image", field="image"
        ) from exc
    media = services.add_media(actor=_actor(request), product=product, image=image, alt=alt[:250])
    return Status(201, presenters.media_out(media))


@admin_router.post(
    "/catalog/products/{product_id}/media/url",
    response={201: MediaOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("catalog.change_product"),
)
def add_media_url(request: HttpRequest, product_id: UUID, payload: MediaUrlIn):
    """Link an image hosted elsewhere."""
    product = _get(Product, product_id, "product_not_found")
    media = services.add_media(
        actor=_actor(request),
        product=product,
        external_url=payload.url,
        alt=payload.alt,
        variant_ids=_variant_ids(product, payload.variants),
    )
    return Status(201, presenters.media_out(media))


@admin_router.patch(
    "/catalog/media/{media_id}",
    response={200: MediaOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("catalog.change_product"),
)
def update_media(request: HttpRequest, media_id: UUID, payload: MediaPatch):
    media = _get(ProductMedia, media_id, "media_not_found")
    changes = payload.dict(exclude_unset=True)
    if "variants" in changes:
        changes["variant_ids"] = _variant_ids(media.product, changes.pop("variants"))
    media = services.update_media(actor=_actor(request), media=media, changes=changes)
    return presenters.media_out(media)


@admin_router.delete(
    "/catalog/media/{media_id}",
    response={204: None, **problems(401, 403, 404)},
    auth=AdminAuth("catalog.change_product"),
)
def delete_media(request: HttpRequest, media_id: UUID):
    services.delete_media(
        actor=_actor(request), media=_get(ProductMedia, media_id, "media_not_found")
    )
    return Status(204, None)


@admin_router.get(
    "/catalog/imports/{import_id}", response={200: ImportOut, **problems(401, 403, 404)}, auth=VIEW
)
def get_import(request: HttpRequest, import_id: UUID):
    return _get(ProductImport, import_id, "import_not_found")
