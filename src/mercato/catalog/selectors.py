"""Catalog reads: the storefront's product list with filters, sorts and facet counts, product
detail, the category tree and collections; and the admin lists."""

import base64
import binascii
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)

from mercato.catalog import search
from mercato.catalog.errors import ProductNotFound
from mercato.catalog.models import (
    AssignedAttribute,
    Attribute,
    AttributeValue,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductFacet,
    ProductMedia,
    ProductQuerySet,
    ProductType,
    ProductTypeAttribute,
    ProductVariant,
)
from mercato.core.errors import InvalidInput, NotFound
from mercato.core.money import quantize

SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "price": ("price_min", "id"),
    "-price": ("-price_min", "-id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "collection": ("collection_position", "id"),  # the collection's hand-picked order
}
POSITION_FIELD = models.IntegerField()
M = TypeVar("M", bound=models.Model)


def _sort_field(name: str) -> models.Field[Any, Any]:
    """The model field a sort key reads (the collection position is an annotation)."""
    if name == "collection_position":
        return POSITION_FIELD
    return cast("models.Field[Any, Any]", Product._meta.get_field(name))


@dataclass
class ProductFilters:
    category: str = ""  # slug path, e.g. "men/shirts": the category and its descendants
    collection: str = ""
    attributes: dict[str, list[str]] = field(
        default_factory=dict
    )  # {attribute slug: [value slugs]}
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool | None = None
    q: str = ""
    sort: str = ""


def parse_attribute_filters(raw: list[str]) -> dict[str, list[str]]:
    """`["size:m,l", "colour:red"]` → {"size": ["m", "l"], "colour": ["red"]}."""
    result: dict[str, list[str]] = {}
    for item in raw:
        slug, sep, values = item.partition(":")
        slugs = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not slug.strip() or not slugs:
            raise InvalidInput(
                "attribute filters look like attr=size:m,l", code="invalid_filter", field="attr"
            )
        result.setdefault(slug.strip(), []).extend(slugs)
    return result


def list_shoppable_products() -> QuerySet[Product]:
    """What the storefront lists and counts: visible products that have a variant to buy."""
    return Product.objects.visible().filter(price_min__isnull=False)


def _value_ids(filters: ProductFilters) -> dict[str, set[int]]:
    """Attribute filters as value ids, per attribute; unknown slugs match nothing."""
    if not filters.attributes:
        return {}
    wanted = Q()
    for attribute, values in filters.attributes.items():
        wanted |= Q(attribute__slug=attribute, slug__in=values)
    found: dict[str, set[int]] = {slug: set() for slug in filters.attributes}
    for pk, attribute_slug in AttributeValue.objects.filter(wanted).values_list(
        "pk", "attribute__slug"
    ):
        found[attribute_slug].add(pk)
    return found


def _category(filters: ProductFilters) -> Category | None:
    if not filters.category:
        return None
    return Category.objects.filter(slug_path=filters.category.strip("/")).first()


def _filtered(
    filters: ProductFilters,
    value_ids: dict[str, set[int]],
    category: Category | None,
    *,
    skip: str = "",
) -> QuerySet:
    products = list_shoppable_products()
    if filters.category:
        if category is None:
            return products.none()
        products = products.filter(
            category__path__startswith=category.path, category__depth__gte=category.depth
        )
    if filters.collection:
        products = products.filter(
            Exists(
                CollectionProduct.objects.filter(
                    product=OuterRef("pk"),
                    collection__slug=filters.collection,
                    collection__is_published=True,
                )
            )
        )
    for attribute, ids in value_ids.items():
        if attribute == skip:
            continue
        products = products.filter(
            Exists(ProductFacet.objects.filter(product=OuterRef("pk"), value_id__in=ids))
        )
    if filters.price_min is not None:
        products = products.filter(price_max__gte=filters.price_min)
    if filters.price_max is not None:
        products = products.filter(price_min__lte=filters.price_max)
    if filters.in_stock is not None:
        products = products.filter(in_stock=filters.in_stock)
    return products


def _cursor_values(cursor: str, size: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        return values
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise _invalid_cursor() from exc


def _invalid_cursor() -> InvalidInput:
    return InvalidInput("The cursor is not valid.", code="invalid_cursor", field="cursor")


def _keyset_values(cursor: str, fields: list[str]) -> list[Any]:
    """The cursor's values, each checked against its field (a forged cursor is refused)."""
    values = _cursor_values(cursor, len(fields))
    try:
        values = [_sort_field(f).to_python(v) for f, v in zip(fields, values, strict=True)]
    except (ValidationError, ValueError, TypeError) as exc:
        raise _invalid_cursor() from exc
    if any(value is None for value in values):
        raise _invalid_cursor()
    return values


def _encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def list_products(filters: ProductFilters, *, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of visible products with a cursor for the next. Sorted by relevance when
    searching (offset cursor), else by a keyset over (sort field, id)."""
    value_ids = _value_ids(filters)
    products = _filtered(filters, value_ids, _category(filters))
    default = "relevance" if filters.q else "collection" if filters.collection else "newest"
    sort = filters.sort or default
    if sort not in SORTS and sort != "relevance":
        raise InvalidInput(
            f"sort is one of {', '.join([*SORTS, 'relevance'])}.", code="invalid_sort", field="sort"
        )
    if sort == "collection":
        if not filters.collection:
            raise InvalidInput(
                "sort=collection needs a collection filter.", code="invalid_sort", field="sort"
            )
        products = products.annotate(
            collection_position=Subquery(
                CollectionProduct.objects.filter(
                    product=OuterRef("pk"), collection__slug=filters.collection
                ).values("sort_order")[:1]
            )
        )
    if filters.q:
        products = search.search(products, filters.q)
    elif sort == "relevance":
        sort = "newest"
    limit = min(limit, settings.API_PAGE_MAX_LIMIT)
    if sort == "relevance":
        offset = _cursor_values(cursor, 1)[0] if cursor else 0
        if type(offset) is not int or offset < 0:
            raise _invalid_cursor()
        rows = list(products.order_by("-relevance", "-id")[offset : offset + limit + 1])
        more = len(rows) > limit
        next_cursor = _encode_cursor([offset + limit]) if more else None
        return {"items": rows[:limit], "next": next_cursor}
    ordering = SORTS[sort]
    fields = [name.lstrip("-") for name in ordering]
    products = products.order_by(*ordering)
    if cursor:
        (first, second), (name1, name2) = _keyset_values(cursor, fields), ordering
        op1 = "lt" if name1.startswith("-") else "gt"
        op2 = "lt" if name2.startswith("-") else "gt"
        products = products.filter(
            Q(**{f"{fields[0]}__{op1}": first})
            | Q(**{fields[0]: first, f"{fields[1]}__{op2}": second})
        )
    rows = list(products[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        _encode_cursor([getattr(rows[-1], fields[0]), rows[-1].pk]) if more and rows else None
    )
    return {"items": rows, "next": next_cursor}


def _cents(amount: Decimal | None) -> Decimal | None:
    """SQLite hands aggregates of decimals back without their places: 10 → 10.00."""
    return None if amount is None else quantize(Decimal(amount))


def facets(filters: ProductFilters) -> dict[str, Any]:
    """Facet counts for the current filter: per filterable choice attribute, how many visible
    products have each value. An attribute's own selection is left out of its counts
    (choosing "M" still shows how many are "L"); every other filter applies."""
    value_ids = _value_ids(filters)
    category = _category(filters)
    base_ids = _filtered(filters, value_ids, category)
    if filters.q:
        base_ids = search.search(base_ids, filters.q)
    filterable = dict(Attribute.objects.filter(is_filterable=True).values_list("slug", "pk"))
    counts: dict[int, int] = {}

    def count(products: QuerySet, attribute_slugs: list[str]) -> None:
        attribute_ids = [filterable[slug] for slug in attribute_slugs if slug in filterable]
        if not attribute_ids:
            return
        rows = ProductFacet.objects.filter(
            product__in=products.values("pk"), attribute_id__in=attribute_ids
        )
        for value_id, number in (
            rows.values("value_id").annotate(n=Count("id")).values_list("value_id", "n")
        ):
            counts[value_id] = number

    count(base_ids, [slug for slug in filterable if slug not in value_ids])
    for attribute_slug in value_ids:
        products = _filtered(filters, value_ids, category, skip=attribute_slug)
        if filters.q:
            products = search.search(products, filters.q)
        count(products, [attribute_slug])
    values = AttributeValue.objects.filter(pk__in=list(counts)).select_related("attribute")
    grouped: dict[int, dict[str, Any]] = {}
    for value in sorted(
        values, key=lambda v: (v.attribute.sort_order, v.attribute.name, v.sort_order, v.pk)
    ):
        attribute = value.attribute
        entry = grouped.setdefault(
            attribute.pk,
            {"attribute": attribute.slug, "name": attribute.name, "values": []},
        )
        selected = value.slug in filters.attributes.get(attribute.slug, [])
        entry["values"].append(
            {
                "value": value.slug,
                "name": value.name,
                "count": counts[value.pk],
                "selected": selected,
            }
        )
    summary = base_ids.aggregate(low=Min("price_min"), high=Max("price_max"), total=Count("pk"))
    return {
        "attributes": list(grouped.values()),
        "price": {"min": _cents(summary["low"]), "max": _cents(summary["high"])},
        "total": summary["total"],
    }


def product_detail_queryset() -> ProductQuerySet:
    return Product.objects.select_related("category", "product_type").prefetch_related(
        Prefetch(
            "variants",
            queryset=ProductVariant.objects.prefetch_related(
                Prefetch("attribute_values", queryset=_assigned()),
                Prefetch("media", queryset=ProductMedia.objects.only("id")),
            ),
        ),
        Prefetch("media", queryset=ProductMedia.objects.prefetch_related("variants")),
        Prefetch(
            "attribute_values",
            queryset=_assigned().filter(variant__isnull=True),
            to_attr="product_attributes",
        ),
    )


def _assigned() -> QuerySet[AssignedAttribute]:
    return AssignedAttribute.objects.select_related("attribute", "value").order_by(
        "attribute__sort_order", "attribute__name", "value__sort_order", "id"
    )


def prefetched_rows(obj: models.Model, to_attr: str) -> list[AssignedAttribute]:
    """The attribute rows a `Prefetch(..., to_attr=to_attr)` left on `obj` (the stubs follow
    a to_attr on the queryset's own rows, not through a nested prefetch or a function
    argument)."""
    rows: list[AssignedAttribute] = getattr(obj, to_attr)
    return rows


def get_visible_product(*, key: str) -> Product:
    """A published product by public id or slug."""
    products = product_detail_queryset().visible()
    try:
        product = products.filter(public_id=UUID(key)).first()
    except ValueError:
        product = products.filter(slug=key).first()
    if product is None:
        raise ProductNotFound()
    return product


def breadcrumbs(category: Category | None) -> list[Category]:
    if category is None:
        return []
    return [*Category.objects.get_ancestors(category), category]


def category_tree() -> list[dict[str, Any]]:
    """The whole tree, nested, in staff order, with counts of visible products (including
    those of subcategories). Two queries."""
    nodes = list(Category.objects.get_tree())
    direct = dict(
        list_shoppable_products()
        .filter(category__isnull=False)
        .values("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    by_path: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for node in nodes:
        entry = {
            "id": node.public_id,
            "name": node.name,
            "slug": node.slug,
            "slug_path": node.slug_path,
            "description": node.description,
            "product_count": direct.get(node.pk, 0),
            "children": [],
        }
        by_path[node.path] = entry
        parent = by_path.get(node.path[: -Category.steplen])
        (parent["children"] if parent else roots).append(entry)
    for node in reversed(nodes):  # children come after parents: add their totals upwards
        parent = by_path.get(node.path[: -Category.steplen])
        if parent:
            parent["product_count"] += by_path[node.path]["product_count"]
    return roots


def get_category(*, slug_path: str) -> Category:
    category = Category.objects.filter(slug_path=slug_path.strip("/")).first()
    if category is None:
        raise NotFound("No such category.", code="category_not_found")
    return category


def list_published_collections() -> QuerySet[Collection]:
    return Collection.objects.filter(is_published=True)


def get_published_collection(*, slug: str) -> Collection:
    collection = list_published_collections().filter(slug=slug).first()
    if collection is None:
        raise NotFound("No such collection.", code="collection_not_found")
    return collection


def list_attributes() -> QuerySet[Attribute]:
    return Attribute.objects.prefetch_related("values")


def get_by_public_id(
    model: type[M], public_id: UUID, *, code: str, queryset: QuerySet[M] | None = None
) -> M:
    rows = queryset if queryset is not None else model._default_manager.all()
    obj = rows.filter(public_id=public_id).first()
    if obj is None:
        raise NotFound(f"No such {model._meta.verbose_name}.", code=code)
    return obj


# --- admin reads ----------------------------------------------------------------------------


def get_product_type_for_input(*, slug: str) -> ProductType:
    """The product type a request names by slug (422 unknown_product_type if none)."""
    product_type = ProductType.objects.filter(slug=slug).first()
    if product_type is None:
        raise InvalidInput(
            f"No product type {slug!r}.", code="unknown_product_type", field="product_type"
        )
    return product_type


def get_category_for_input(slug_path: str | None, *, field: str = "category") -> Category | None:
    """The category a request names by slug path, None when it names none (422
    unknown_category if it names one that does not exist)."""
    if not slug_path:
        return None
    category = Category.objects.filter(slug_path=slug_path.strip("/")).first()
    if category is None:
        raise InvalidInput(f"No category {slug_path!r}.", code="unknown_category", field=field)
    return category


def list_products_by_public_id(public_ids: list[UUID]) -> list[Product]:
    """These products, every one of them (404 product_not_found if one is missing)."""
    products = list(Product.objects.filter(public_id__in=public_ids))
    if len(products) != len(set(public_ids)):
        raise NotFound("Some products do not exist.", code="product_not_found")
    return products


def get_variant_pks(product: Product, public_ids: list[UUID]) -> list[int]:
    """The primary keys of these variants of the product (422 unknown_variant if one is not
    the product's)."""
    found = dict(product.variants.filter(public_id__in=public_ids).values_list("public_id", "pk"))
    if len(found) != len(set(public_ids)):
        raise InvalidInput(
            "A variant is not of this product.", code="unknown_variant", field="variants"
        )
    return list(found.values())


def get_attribute_value(*, attribute: Attribute, slug: str) -> AttributeValue:
    value = AttributeValue.objects.filter(attribute=attribute, slug=slug).first()
    if value is None:
        raise NotFound("No such value.", code="attribute_value_not_found")
    return value


def get_admin_product(*, pk: int) -> Product:
    """A product of any status with everything its admin view shows."""
    return product_detail_queryset().prefetch_related("collections").get(pk=pk)


def list_admin_products(
    *, status: str = "", search: str = "", category: str = ""
) -> QuerySet[Product]:
    """Every product (any status) with its variant count, filtered by status, category
    (subcategories included) and a search in name, slug or SKU."""
    products = Product.objects.select_related("product_type", "category").annotate(
        variant_count=Count("variants")
    )
    if status:
        products = products.filter(status=status)
    if category:
        within = get_category_for_input(category)
        assert within is not None
        products = products.filter(category__path__startswith=within.path)
    if search:  # Exists, not a join: a join would multiply variant_count
        sku = ProductVariant.objects.filter(product=OuterRef("pk"), sku__icontains=search)
        products = products.filter(
            Q(name__icontains=search) | Q(slug__icontains=search) | Exists(sku)
        )
    return products


def list_product_types() -> QuerySet[ProductType]:
    return ProductType.objects.prefetch_related(
        Prefetch(
            "type_attributes",
            queryset=ProductTypeAttribute.objects.select_related("attribute"),
        )
    )


def list_categories() -> list[Category]:
    """Every category in tree order (depth tells the level)."""
    return list(Category.objects.get_tree())


def list_collections_with_products() -> QuerySet[Collection]:
    return Collection.objects.prefetch_related("entries__product")


def prefetch_collection_products(collection: Collection) -> Collection:
    """Load the collection's products in order, unless a list prefetched them already."""
    if "entries" not in getattr(collection, "_prefetched_objects_cache", {}):
        prefetch_related_objects([collection], "entries__product")
    return collection


def prefetch_list_items(products: list[Product]) -> list[Product]:
    """What a storefront list item shows beyond the product row: its category and media."""
    prefetch_related_objects(
        products,
        "category",
        Prefetch("media", queryset=ProductMedia.objects.order_by("sort_order", "id")),
    )
    return products
