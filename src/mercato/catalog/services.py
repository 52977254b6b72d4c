"""Catalog: every change to attributes, product types, categories, collections, products,
variants and media. Each function owns its transaction, keeps the denormalised columns
(price range) and the search index current, and writes the audit log."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from treebeard.exceptions import InvalidMoveToDescendant

from mercato.audit.services import Actor, record_change, snapshot
from mercato.catalog import search
from mercato.catalog.cache import bump_catalog_version
from mercato.catalog.errors import (
    InUse,
    InvalidAttributeValue,
    InvalidCategoryMove,
    InvalidPrice,
    SkuTaken,
    SlugTaken,
)
from mercato.catalog.models import (
    MAX_PRICE,
    AssignedAttribute,
    Attribute,
    AttributeValue,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductFacet,
    ProductMedia,
    ProductType,
    ProductTypeAttribute,
    ProductVariant,
)
from mercato.catalog.signals import products_refreshed
from mercato.core.errors import InvalidInput
from mercato.core.events import record_event
from mercato.core.urls_safety import check_public_url

CENT = Decimal("0.01")
AttributeInput = dict[str, Any]  # {attribute slug: value or [values]}


# --- helpers --------------------------------------------------------------------------------


def clean_price(value: Any, *, field: str = "price", required: bool = True) -> Decimal | None:
    """A price as Decimal with two places: not negative, not absurd."""
    if value is None or value == "":
        if required:
            raise InvalidPrice("A price is required.", field=field)
        return None
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidPrice(f"{field} is not a number.", field=field) from exc
    if not price.is_finite() or price < 0:
        raise InvalidPrice(f"{field} must be zero or more.", field=field)
    if price > MAX_PRICE:
        raise InvalidPrice(f"{field} is larger than {MAX_PRICE}.", field=field)
    return price.quantize(CENT, rounding=ROUND_HALF_UP)


def make_slug(value: str, *, field: str = "slug") -> str:
    slug = slugify(value)[:100]
    if not slug:
        raise InvalidInput("A slug needs letters or digits.", code="invalid_slug", field=field)
    return slug


def _save_unique(obj: Any, *, slug_error: type = SlugTaken, **save_kwargs: Any) -> None:
    """Save; a unique slug or SKU collision becomes a 409 problem."""
    try:
        with transaction.atomic():
            obj.save(**save_kwargs)
    except IntegrityError as exc:
        # The first line names the constraint; PostgreSQL's DETAIL line quotes the value, which
        # may hold anything ("skull-bag" has "sku" in it).
        message = (str(exc).splitlines() or [""])[0].lower()
        if isinstance(obj, ProductVariant) and "sku" in message:
            raise SkuTaken(f"The SKU {getattr(obj, 'sku', '')!r} is taken.", field="sku") from exc
        if "slug" in message:
            raise slug_error(
                f"The slug {getattr(obj, 'slug', '')!r} is taken.", field="slug"
            ) from exc
        raise


def _delete_audited(obj: Any, *, actor: Actor, in_use: str = "", code: str = "in_use") -> None:
    """Delete a row and log it; a row still referenced (PROTECT) is a 409 with `in_use`."""
    before = snapshot(obj)
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError as exc:
        raise InUse(in_use or "It is still in use.", code=code) from exc
    record_change(
        actor=actor, action="delete", obj=obj, before=before, object_id=str(before.get("public_id"))
    )


def refresh_products(product_ids: Iterable[int]) -> None:
    """Recompute what is derived from a product's rows: its price range, its facet values and
    its search entry; and let cached storefront answers go."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    ranges = {
        row["product_id"]: row
        for row in ProductVariant.objects.filter(product_id__in=ids)
        .values("product_id")
        .annotate(low=Min("price"), high=Max("price"))
    }
    for pk in ids:
        row = ranges.get(pk, {})
        Product.objects.filter(pk=pk).update(price_min=row.get("low"), price_max=row.get("high"))
    ProductFacet.objects.filter(product_id__in=ids).delete()
    ProductFacet.objects.bulk_create(
        ProductFacet(product_id=product_id, attribute_id=attribute_id, value_id=value_id)
        for product_id, attribute_id, value_id in AssignedAttribute.objects.filter(
            product_id__in=ids, value__isnull=False
        )
        .values_list("product_id", "attribute_id", "value_id")
        .distinct()
        .order_by()
    )
    search.index_products(ids)
    products_refreshed.send(sender=Product, product_ids=ids)
    bump_catalog_version()


# --- attributes -----------------------------------------------------------------------------


def create_attribute(
    *,
    actor: Actor,
    name: str,
    input_type: str,
    slug: str = "",
    unit: str = "",
    is_filterable: bool = True,
    values: list[str] = (),
) -> Attribute:
    if input_type not in Attribute.InputType.values:
        raise InvalidInput(f"Unknown input type {input_type!r}.", field="input_type")
    with transaction.atomic():
        attribute = Attribute(
            name=name,
            slug=make_slug(slug or name),
            input_type=input_type,
            unit=unit,
            is_filterable=is_filterable,
        )
        _save_unique(attribute)
        for position, value in enumerate(values):
            _add_value(attribute, value, position)
        record_change(actor=actor, action="create", obj=attribute, after=snapshot(attribute))
    return attribute


def update_attribute(*, actor: Actor, attribute: Attribute, changes: dict[str, Any]) -> Attribute:
    with transaction.atomic():
        attribute = Attribute.objects.select_for_update().get(pk=attribute.pk)
        before = snapshot(attribute)
        for name in ("name", "unit", "is_filterable", "sort_order"):
            if name in changes:
                setattr(attribute, name, changes[name])
        if "slug" in changes:
            attribute.slug = make_slug(changes["slug"])
        _save_unique(attribute)
        record_change(
            actor=actor, action="update", obj=attribute, before=before, after=snapshot(attribute)
        )
    return attribute


def delete_attribute(*, actor: Actor, attribute: Attribute) -> None:
    with transaction.atomic():
        _delete_audited(
            attribute, actor=actor, in_use="The attribute is used by product types or products."
        )


def _add_value(attribute: Attribute, name: str, position: int, slug: str = "") -> AttributeValue:
    if not attribute.has_choices:
        raise InvalidInput("Only choice attributes have values.", code="not_a_choice_attribute")
    value = AttributeValue(
        attribute=attribute, name=name, slug=make_slug(slug or name), sort_order=position
    )
    _save_unique(value)
    return value


def add_attribute_value(
    *, actor: Actor, attribute: Attribute, name: str, slug: str = "", sort_order: int | None = None
) -> AttributeValue:
    with transaction.atomic():
        if sort_order is None:
            sort_order = (attribute.values.aggregate(top=Max("sort_order"))["top"] or 0) + 1
        value = _add_value(attribute, name, sort_order, slug)
        record_change(actor=actor, action="create", obj=value, after=snapshot(value))
    return value


def delete_attribute_value(*, actor: Actor, value: AttributeValue) -> None:
    with transaction.atomic():
        _delete_audited(value, actor=actor, in_use="The value is used by products.")


# --- product types --------------------------------------------------------------------------


def _attributes_bymake_slug(slugs: Iterable[str], *, field: str) -> list[Attribute]:
    slugs = list(dict.fromkeys(slugs))
    found = {a.slug: a for a in Attribute.objects.filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise InvalidInput(
            f"Unknown attributes: {', '.join(missing)}.", code="unknown_attribute", field=field
        )
    return [found[s] for s in slugs]


def save_product_type(
    *,
    actor: Actor,
    product_type: ProductType | None = None,
    name: str | None = None,
    slug: str | None = None,
    has_variants: bool | None = None,
    product_attributes: list[str] | None = None,
    variant_attributes: list[str] | None = None,
) -> ProductType:
    """Create (product_type None) or change a product type and its attribute lists."""
    with transaction.atomic():
        creating = product_type is None
        if creating:
            if not name:
                raise InvalidInput("A name is required.", field="name")
            product_type = ProductType(name=name)
            before = None
        else:
            product_type = ProductType.objects.select_for_update().get(pk=product_type.pk)
            before = snapshot(product_type)
        if name is not None:
            product_type.name = name
        if slug is not None or creating:
            product_type.slug = make_slug(slug or name or "")
        if has_variants is not None:
            product_type.has_variants = has_variants
        _save_unique(product_type)
        if product_attributes is not None or variant_attributes is not None:
            current = {
                ta.attribute.slug: ta
                for ta in product_type.type_attributes.select_related("attribute")
            }
            plain = (
                product_attributes
                if product_attributes is not None
                else [s for s, ta in current.items() if not ta.variant_attribute]
            )
            variant = (
                variant_attributes
                if variant_attributes is not None
                else [s for s, ta in current.items() if ta.variant_attribute]
            )
            if set(plain) & set(variant):
                raise InvalidInput(
                    "An attribute is either a product or a variant attribute.",
                    field="variant_attributes",
                )
            wanted = [
                (a, False) for a in _attributes_bymake_slug(plain, field="product_attributes")
            ]
            wanted += [
                (a, True) for a in _attributes_bymake_slug(variant, field="variant_attributes")
            ]
            product_type.type_attributes.all().delete()
            ProductTypeAttribute.objects.bulk_create(
                ProductTypeAttribute(
                    product_type=product_type, attribute=a, variant_attribute=v, sort_order=i
                )
                for i, (a, v) in enumerate(wanted)
            )
        record_change(
            actor=actor,
            action="create" if creating else "update",
            obj=product_type,
            before=before,
            after=snapshot(product_type),
        )
    return product_type


def delete_product_type(*, actor: Actor, product_type: ProductType) -> None:
    with transaction.atomic():
        _delete_audited(product_type, actor=actor, in_use="Products still have this type.")


# --- categories -----------------------------------------------------------------------------


def _refresh_slug_paths(category: Category) -> None:
    """Recompute slug_path for the category and its whole subtree."""
    bump_catalog_version()
    nodes = [category, *Category.objects.get_tree(category)[1:]]
    by_path = {}
    for node in nodes:
        node.refresh_from_db(fields=["path", "depth"])
        parent_path = node.path[: -Category.steplen]
        parent_slug = by_path.get(parent_path)
        if parent_slug is None and node.depth > 1:
            parent_slug = Category.objects.get(path=parent_path).slug_path
        node.slug_path = f"{parent_slug}/{node.slug}" if parent_slug else node.slug
        by_path[node.path] = node.slug_path
    # Two passes so that swapping paths never trips the unique constraint midway.
    for node in nodes:
        Category.objects.filter(pk=node.pk).update(slug_path=f"~{node.pk}~{node.slug_path}")
    for node in nodes:
        Category.objects.filter(pk=node.pk).update(slug_path=node.slug_path)


def create_category(
    *,
    actor: Actor,
    name: str,
    slug: str = "",
    parent: Category | None = None,
    description: str = "",
    seo_title: str = "",
    seo_description: str = "",
    metadata: dict | None = None,
) -> Category:
    slug = make_slug(slug or name)
    slug_path = f"{parent.slug_path}/{slug}" if parent else slug
    if Category.objects.filter(slug_path=slug_path).exists():
        raise SlugTaken(f"A category {slug_path!r} exists already.", field="slug")
    fields = dict(
        name=name,
        slug=slug,
        slug_path=slug_path,
        description=description,
        seo_title=seo_title,
        seo_description=seo_description,
        metadata=metadata or {},
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                if parent is None:
                    category = Category.objects.add_root(create_kwargs=fields)
                else:
                    parent = Category.objects.get(pk=parent.pk)
                    category = Category.objects.add_child(parent, create_kwargs=fields)
        except IntegrityError as exc:
            raise SlugTaken(f"A category {slug_path!r} exists already.", field="slug") from exc
        record_change(actor=actor, action="create", obj=category, after=snapshot(category))
    return category


def update_category(*, actor: Actor, category: Category, changes: dict[str, Any]) -> Category:
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        before = snapshot(category)
        for name in ("name", "description", "seo_title", "seo_description", "metadata"):
            if name in changes:
                setattr(category, name, changes[name])
        slug_changed = "slug" in changes and make_slug(changes["slug"]) != category.slug
        if slug_changed:
            category.slug = make_slug(changes["slug"])
        category.save()
        if slug_changed:
            try:
                with transaction.atomic():
                    _refresh_slug_paths(category)
            except IntegrityError as exc:
                raise SlugTaken("A sibling category uses this slug.", field="slug") from exc
            category.refresh_from_db()
        record_change(
            actor=actor, action="update", obj=category, before=before, after=snapshot(category)
        )
    return category


MOVE_POSITIONS = {"first-child", "last-child", "left", "right"}


def move_category(
    *, actor: Actor, category: Category, target: Category | None, position: str = "last-child"
) -> Category:
    """Move a category (and its subtree) under `target` (None: to the top level), or beside
    it (position left/right)."""
    if position not in MOVE_POSITIONS:
        raise InvalidInput(f"position is one of {sorted(MOVE_POSITIONS)}.", field="position")
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        before = snapshot(category)
        if target is not None and (
            target.pk == category.pk or target.path.startswith(category.path)
        ):
            raise InvalidCategoryMove()
        try:
            with transaction.atomic():
                if target is None:
                    last_root = Category.objects.get_last_root_node()
                    if last_root.pk != category.pk:
                        Category.objects.move(category, last_root, "right")
                else:
                    Category.objects.move(category, Category.objects.get(pk=target.pk), position)
                category.refresh_from_db()
                _refresh_slug_paths(category)
        except InvalidMoveToDescendant as exc:
            raise InvalidCategoryMove() from exc
        except IntegrityError as exc:
            raise SlugTaken(
                "A category with this slug exists at the destination.", field="slug"
            ) from exc
        category.refresh_from_db()
        record_change(
            actor=actor,
            action="update",
            obj=category,
            verb="category.move",
            before=before,
            after=snapshot(category),
        )
    return category


def delete_category(*, actor: Actor, category: Category) -> None:
    """Delete an empty leaf category; its products lose their category."""
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        if Category.objects.get_children_count(category):
            raise InUse("Move or delete the subcategories first.", code="category_has_children")
        before = snapshot(category)
        Product.objects.filter(category=category).update(category=None)
        category.delete()
        record_change(
            actor=actor,
            action="delete",
            obj=category,
            before=before,
            object_id=str(before.get("public_id")),
        )


# --- collections ----------------------------------------------------------------------------


def save_collection(
    *, actor: Actor, collection: Collection | None = None, changes: dict[str, Any]
) -> Collection:
    with transaction.atomic():
        creating = collection is None
        if creating:
            collection = Collection()
            before = None
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
        _save_unique(collection)
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
        _delete_audited(collection, actor=actor)


# --- attribute values on products and variants ----------------------------------------------


def _coerce(attribute: Attribute, raw: Any, *, field: str) -> list[dict[str, Any]]:
    """Rows for AssignedAttribute from an input value, checked against the attribute."""
    kind = Attribute.InputType
    values = raw if isinstance(raw, list) else [raw]
    if attribute.input_type != kind.MULTIPLE_CHOICE and len(values) != 1:
        raise InvalidAttributeValue(f"{attribute.slug} takes one value.", field=field)
    if attribute.has_choices:
        choices = {v.slug: v for v in attribute.values.all()}
        names = {v.name.lower(): v for v in attribute.values.all()}
        rows = []
        for value in values:
            key = str(value).strip()
            choice = choices.get(key) or choices.get(slugify(key)) or names.get(key.lower())
            if choice is None:
                raise InvalidAttributeValue(
                    f"{value!r} is not a value of {attribute.slug}.", field=field
                )
            rows.append({"value": choice})
        return rows
    value = values[0]
    if attribute.input_type == kind.NUMBER:
        try:
            number = Decimal(str(value))
            if not number.is_finite() or abs(number) >= Decimal("1e10"):
                raise InvalidOperation
        except (InvalidOperation, ValueError) as exc:
            raise InvalidAttributeValue(f"{attribute.slug} takes a number.", field=field) from exc
        return [{"number": number}]
    if attribute.input_type == kind.BOOLEAN:
        if isinstance(value, bool):
            return [{"boolean": value}]
        lowered = str(value).strip().lower()
        if lowered not in {"true", "false", "1", "0", "yes", "no"}:
            raise InvalidAttributeValue(f"{attribute.slug} takes true or false.", field=field)
        return [{"boolean": lowered in {"true", "1", "yes"}}]
    text = str(value).strip()
    if len(text) > 500:
        raise InvalidAttributeValue(f"{attribute.slug} takes at most 500 characters.", field=field)
    return [{"text": text}]


def _allowed_attributes(product_type: ProductType, *, variant: bool) -> dict[str, Attribute]:
    return {
        ta.attribute.slug: ta.attribute
        for ta in product_type.type_attributes.select_related("attribute").prefetch_related(
            "attribute__values"
        )
        if ta.variant_attribute == variant
    }


def _assign(
    product: Product,
    variant: ProductVariant | None,
    values: AttributeInput,
    *,
    allowed: dict[str, Attribute] | None = None,
    fresh: bool = False,
) -> list[AssignedAttribute]:
    """Set attribute values of a product (variant None) or a variant. `fresh`: the object was
    just made, so there is nothing to replace."""
    if allowed is None:
        allowed = _allowed_attributes(product.product_type, variant=variant is not None)
    rows = []
    for slug, raw in values.items():
        attribute = allowed.get(slug)
        if attribute is None:
            where = "variants" if variant is not None else "products"
            raise InvalidAttributeValue(
                f"{slug!r} is not an attribute of {where} of type {product.product_type.slug}.",
                code="unknown_attribute",
                field=f"attributes.{slug}",
            )
        if raw is None or raw == [] or raw == "":
            continue
        rows += [
            AssignedAttribute(product=product, variant=variant, attribute=attribute, **row)
            for row in _coerce(attribute, raw, field=f"attributes.{slug}")
        ]
    if not fresh:
        AssignedAttribute.objects.filter(
            product=product, variant=variant, attribute__slug__in=list(values)
        ).delete()
    return AssignedAttribute.objects.bulk_create(rows)


# --- products and variants ------------------------------------------------------------------

PRODUCT_FIELDS = (
    "name",
    "description",
    "status",
    "published_at",
    "seo_title",
    "seo_description",
    "metadata",
    "private_metadata",
)
VARIANT_FIELDS = ("name", "weight_grams", "barcode", "track_inventory", "sort_order")


def _check_lengths(obj: Any, names: Iterable[str]) -> None:
    """Text longer than its column is refused here (SQLite would keep it, PostgreSQL fail)."""
    for name in names:
        limit = obj._meta.get_field(name).max_length
        value = getattr(obj, name)
        if limit and isinstance(value, str) and len(value) > limit:
            raise InvalidInput(
                f"{name} has at most {limit} characters.", code="too_long", field=name
            )


def _apply_product_fields(product: Product, data: dict[str, Any]) -> None:
    for name in PRODUCT_FIELDS:
        if name in data:
            setattr(product, name, data[name])
    _check_lengths(product, ["name", "seo_title", "seo_description"])
    if product.status not in Product.Status.values:
        raise InvalidInput(f"Unknown status {product.status!r}.", field="status")
    if "slug" in data:
        product.slug = make_slug(data["slug"], field="slug")
    if "category" in data:
        product.category = data["category"]
    if "product_type" in data:
        product.product_type = data["product_type"]


def _apply_variant_fields(variant: ProductVariant, data: dict[str, Any]) -> None:
    for name in VARIANT_FIELDS:
        if name in data:
            setattr(variant, name, data[name])
    _check_lengths(variant, ["name", "barcode"])
    if "sku" in data:
        sku = str(data["sku"]).strip()
        if not sku or len(sku) > 64:
            raise InvalidInput("A SKU has 1 to 64 characters.", code="invalid_sku", field="sku")
        variant.sku = sku
    if "price" in data:
        variant.price = clean_price(data["price"])
    for name in ("compare_at_price", "cost_price"):
        if name in data:
            setattr(variant, name, clean_price(data[name], field=name, required=False))


def create_product(*, actor: Actor, data: dict[str, Any]) -> Product:
    """A product with its attributes and, optionally, its variants:
    data = {name, slug?, product_type, category?, status?, attributes?: {slug: value},
            variants?: [{sku, price, attributes?: {slug: value}, …}], …}"""
    with transaction.atomic():
        product = Product(name=data["name"])
        _apply_product_fields(product, {**data, "slug": data.get("slug") or data["name"]})
        if product.status == Product.Status.PUBLISHED and not product.published_at:
            product.published_at = timezone.now()
        _save_unique(product)
        _assign(product, None, data.get("attributes") or {}, fresh=True)
        variants = data.get("variants") or []
        if not product.product_type.has_variants and len(variants) > 1:
            raise InvalidInput("This product type has one variant per product.", field="variants")
        allowed = _allowed_attributes(product.product_type, variant=True)
        for variant_data in variants:
            _create_variant(product, variant_data, allowed=allowed)
        refresh_products([product.pk])
        record_change(actor=actor, action="create", obj=product, after=snapshot(product))
        record_event("product.created", product_id=product.pk)
    return product


def update_product(*, actor: Actor, product: Product, data: dict[str, Any]) -> Product:
    with transaction.atomic():
        product = (
            Product.objects.select_for_update().select_related("product_type").get(pk=product.pk)
        )
        before = snapshot(product)
        if "product_type" in data and data["product_type"].pk != product.product_type_id:
            raise InvalidInput(
                "The type of a product cannot change.", code="type_immutable", field="product_type"
            )
        was_published = product.status == Product.Status.PUBLISHED
        _apply_product_fields(product, data)
        if (
            product.status == Product.Status.PUBLISHED
            and not was_published
            and not product.published_at
        ):
            product.published_at = timezone.now()
        _save_unique(product)
        if "attributes" in data:
            _assign(product, None, data["attributes"] or {})
        refresh_products([product.pk])
        record_change(
            actor=actor, action="update", obj=product, before=before, after=snapshot(product)
        )
        record_event("product.updated", product_id=product.pk)
    return product


def delete_product(*, actor: Actor, product: Product) -> None:
    with transaction.atomic():
        pk = product.pk
        _delete_audited(
            product,
            actor=actor,
            in_use="This product has stock history or orders; archive it instead.",
            code="product_in_use",
        )
        search.index_products([pk])
        record_event("product.deleted", product_id=pk)


def _create_variant(
    product: Product, data: dict[str, Any], *, allowed: dict[str, Attribute] | None = None
) -> ProductVariant:
    if "sku" not in data or "price" not in data:
        raise InvalidInput("A variant needs a sku and a price.", field="variants")
    variant = ProductVariant(product=product)
    _apply_variant_fields(variant, data)
    _save_unique(variant)
    rows = _assign(product, variant, data.get("attributes") or {}, allowed=allowed, fresh=True)
    if not variant.name and rows:
        names = [
            row.value.name if row.value else (row.text or str(row.number or row.boolean or ""))
            for row in rows
        ]
        variant.name = " / ".join(name for name in names if name)[:250]
        variant.save(update_fields=["name"])
    return variant


def create_variant(*, actor: Actor, product: Product, data: dict[str, Any]) -> ProductVariant:
    with transaction.atomic():
        product = (
            Product.objects.select_for_update().select_related("product_type").get(pk=product.pk)
        )
        if not product.product_type.has_variants and product.variants.exists():
            raise InvalidInput(
                "This product type has one variant per product.", code="single_variant_type"
            )
        variant = _create_variant(product, data)
        refresh_products([product.pk])
        record_change(actor=actor, action="create", obj=variant, after=snapshot(variant))
    return variant


def update_variant(
    *, actor: Actor, variant: ProductVariant, data: dict[str, Any]
) -> ProductVariant:
    with transaction.atomic():
        variant = (
            ProductVariant.objects.select_for_update()
            .select_related("product__product_type")
            .get(pk=variant.pk)
        )
        before = snapshot(variant)
        _apply_variant_fields(variant, data)
        _save_unique(variant)
        if "attributes" in data:
            _assign(variant.product, variant, data["attributes"] or {})
        refresh_products([variant.product_id])
        record_change(
            actor=actor, action="update", obj=variant, before=before, after=snapshot(variant)
        )
    return variant


def delete_variant(*, actor: Actor, variant: ProductVariant) -> None:
    with transaction.atomic():
        product_id = variant.product_id
        _delete_audited(
            variant,
            actor=actor,
            in_use="This variant has stock history or orders; keep it (or archive the product).",
            code="variant_in_use",
        )
        refresh_products([product_id])


# --- bulk -----------------------------------------------------------------------------------


def bulk_set_status(*, actor: Actor, products: list[Product], status: str) -> int:
    if status not in Product.Status.values:
        raise InvalidInput(f"Unknown status {status!r}.", field="status")
    with transaction.atomic():
        ids = [p.pk for p in products]
        changed = Product.objects.filter(pk__in=ids).exclude(status=status)
        now = timezone.now()
        count = 0
        for product in changed.select_for_update():
            before = snapshot(product, ["status", "published_at"])
            product.status = status
            if status == Product.Status.PUBLISHED and product.published_at is None:
                product.published_at = now
            product.save(update_fields=["status", "published_at", "updated_at"])
            record_change(
                actor=actor,
                action="update",
                obj=product,
                verb="product.bulk_status",
                before=before,
                after=snapshot(product, ["status", "published_at"]),
            )
            count += 1
    return count


def bulk_delete_products(*, actor: Actor, products: list[Product]) -> int:
    with transaction.atomic():
        for product in products:
            delete_product(actor=actor, product=product)
    return len(products)


def bulk_change_price(*, actor: Actor, products: list[Product], mode: str, amount: Any) -> int:
    """Change the price of every variant of these products: `set` to an amount, add or take
    a fixed `amount`, or change by a `percent` (-10 = ten percent off). A result below zero is
    refused for the whole batch."""
    try:
        delta = Decimal(str(amount))
        if not delta.is_finite() or abs(delta) > MAX_PRICE:
            raise InvalidOperation
    except (InvalidOperation, ValueError) as exc:
        raise InvalidPrice("amount is not a number.", field="amount") from exc
    if mode not in {"set", "amount", "percent"}:
        raise InvalidInput("mode is set, amount or percent.", field="mode")
    if mode == "percent" and delta < -100:
        raise InvalidPrice("A price cannot drop by more than 100 %.", field="amount")
    with transaction.atomic():
        variants = list(
            ProductVariant.objects.select_for_update()
            .filter(product_id__in=[p.pk for p in products])
            .order_by("pk")
        )
        for variant in variants:
            if mode == "set":
                new = delta
            elif mode == "amount":
                new = variant.price + delta
            else:
                new = variant.price * (Decimal(100) + delta) / Decimal(100)
            before = snapshot(variant, ["price"])
            variant.price = clean_price(new, field="amount")
            variant.save(update_fields=["price", "updated_at"])
            record_change(
                actor=actor,
                action="update",
                obj=variant,
                verb="variant.bulk_price",
                before=before,
                after=snapshot(variant, ["price"]),
            )
        refresh_products(p.pk for p in products)
    return len(variants)


# --- media ----------------------------------------------------------------------------------


def add_media(
    *,
    actor: Actor,
    product: Product,
    image: Any = None,
    external_url: str = "",
    alt: str = "",
    variant_ids: list[int] = (),
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
        record_change(actor=actor, action="create", obj=media, after=snapshot(media))
    return media


def update_media(*, actor: Actor, media: ProductMedia, changes: dict[str, Any]) -> ProductMedia:
    with transaction.atomic():
        before = snapshot(media)
        for name in ("alt", "sort_order"):
            if name in changes:
                setattr(media, name, changes[name])
        media.save()
        if "variant_ids" in changes:
            ids = changes["variant_ids"]
            allowed = set(media.product.variants.filter(pk__in=ids).values_list("pk", flat=True))
            if allowed != set(ids):
                raise InvalidInput("A variant is not of this product.", field="variants")
            media.variants.set(allowed)
        record_change(actor=actor, action="update", obj=media, before=before, after=snapshot(media))
    return media


def delete_media(*, actor: Actor, media: ProductMedia) -> None:
    with transaction.atomic():
        before = snapshot(media)
        storage_name = media.image.name if media.image else ""
        storage = media.image.storage if media.image else None
        media.delete()
        record_change(
            actor=actor,
            action="delete",
            obj=media,
            before=before,
            object_id=str(before.get("public_id")),
        )
        if storage and storage_name:
            transaction.on_commit(lambda: storage.delete(storage_name))


def set_in_stock(flags: dict[int, bool]) -> None:
    """Record which products can be bought now (called by the inventory services)."""
    for value in (True, False):
        ids = [pk for pk, flag in flags.items() if flag is value]
        if ids and Product.objects.filter(pk__in=ids).exclude(in_stock=value).update(
            in_stock=value
        ):
            bump_catalog_version()
