"""The storefront's catalog: published products, the category tree, collections."""

from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field

from mercato.catalog import presenters, selectors
from mercato.catalog.api.common import CURRENCY, store_router
from mercato.catalog.schemas import CategoryNode, CollectionOut, ProductDetail, ProductPage
from mercato.core.schemas import problems


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
    products = selectors.prefetch_list_items(page["items"])
    return {
        "items": [presenters.list_item(p, CURRENCY) for p in products],
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
