"""CSV export and import of products with their variants, one row per variant.

Both stream: the export yields rows from a chunked query, the import reads the uploaded file
row by row. Import upserts by SKU (and the product by slug); each row is its own transaction,
so a row that fails leaves nothing behind and the report says why.

Attributes are written `slug=value;slug=value1|value2` (value slugs for choices).
"""

import csv
import logging
from collections.abc import Iterator
from typing import Any

from django.core.files.base import File
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django_tasks import task

from mercato.audit.services import Actor, record_action
from mercato.catalog import selectors, services
from mercato.catalog.models import (
    VARIANT_DETAIL_FIELDS,
    AssignedAttribute,
    Category,
    Product,
    ProductImport,
    ProductType,
    ProductVariant,
)
from mercato.core.csv_rows import iter_csv_rows
from mercato.core.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)

COLUMNS = [
    "product_slug",
    "product_name",
    "product_type",
    "category",
    "status",
    "description",
    "sku",
    "variant_name",
    *VARIANT_DETAIL_FIELDS,
    "product_attributes",
    "variant_attributes",
]
REQUIRED = {"product_slug", "product_name", "product_type", "sku", "price"}
MAX_REPORTED_ERRORS = 1000
REFRESH_EVERY = 200
CHUNK = 500


Row = dict[str, Any]  # a CSV row as iter_csv_rows gives it: header name -> cell


# --- export ---------------------------------------------------------------------------------


# A cell starting with one of these is a formula to a spreadsheet: the export quotes it with
# a leading apostrophe (as spreadsheets do), and the import takes the apostrophe off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _uncell(value: str | None) -> str | None:
    if value and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _attributes_text(rows: list[AssignedAttribute]) -> str:
    grouped: dict[str, list[str]] = {}
    for row in rows:
        if row.value is not None:
            text = row.value.slug
        elif row.number is not None:
            text = format(row.number.normalize(), "f")
        elif row.boolean is not None:
            text = "true" if row.boolean else "false"
        else:
            text = row.text
        grouped.setdefault(row.attribute.slug, []).append(text.replace(";", ",").replace("|", "/"))
    return ";".join(f"{slug}={'|'.join(values)}" for slug, values in grouped.items())


def export_rows() -> Iterator[str]:
    """CSV lines for every variant, products in id order; memory stays flat."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    assigned = AssignedAttribute.objects.select_related("attribute", "value").order_by("id")
    products = (
        Product.objects.select_related("product_type", "category")
        .prefetch_related(
            Prefetch(
                "attribute_values", queryset=assigned.filter(variant__isnull=True), to_attr="own"
            ),
            Prefetch(
                "variants",
                queryset=ProductVariant.objects.prefetch_related(
                    Prefetch("attribute_values", queryset=assigned, to_attr="own")
                ),
            ),
        )
        .order_by("pk")
    )
    for product in products.iterator(chunk_size=CHUNK):
        product_attributes = _attributes_text(product.own)
        for variant in product.variants.all():
            yield writer.writerow(
                _cell(value)
                for value in [
                    product.slug,
                    product.name,
                    product.product_type.slug,
                    product.category.slug_path if product.category else "",
                    product.status,
                    product.description,
                    variant.sku,
                    variant.name,
                    variant.price,
                    variant.compare_at_price if variant.compare_at_price is not None else "",
                    variant.cost_price if variant.cost_price is not None else "",
                    variant.weight_grams if variant.weight_grams is not None else "",
                    variant.barcode,
                    "true" if variant.track_inventory else "false",
                    product_attributes,
                    _attributes_text(selectors.prefetched_rows(variant, "own")),
                ]
            )


# --- import ---------------------------------------------------------------------------------


def _product_rows(binary: Any) -> Iterator[tuple[int, dict[str, str | None]]]:
    """The rows of a product file, with the export's formula quoting taken off."""
    for number, row in iter_csv_rows(binary, required_columns=REQUIRED, known_columns=COLUMNS):
        yield number, {name: _uncell(value) for name, value in row.items()}


def check_file(binary: Any) -> int:
    """Refuse a file whose columns or encoding are wrong; return its number of data rows.
    Reads the stream once, in pieces."""
    return sum(1 for _ in iter_csv_rows(binary, required_columns=REQUIRED, known_columns=COLUMNS))


def start_import(*, file: Any, actor: Actor) -> ProductImport:
    """Check the upload, keep it, and queue its import."""
    rows = check_file(file)
    file.seek(0)
    with transaction.atomic():
        product_import = ProductImport(rows_total=rows, created_by_label=actor.label)
        product_import.file.save("products.csv", File(file), save=False)
        product_import.save()
        record_action(product_import, "product.import", actor=actor, rows_total=rows)
        run_product_import.enqueue(import_id=str(product_import.public_id))
    return product_import


def _parse_attributes(text: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(";"))):
        slug, sep, raw = part.partition("=")
        if not sep or not slug.strip():
            raise InvalidInput(f"Attribute {part!r} is not slug=value.", field="attributes")
        values = [v.strip() for v in raw.split("|")]
        result[slug.strip()] = values if len(values) > 1 else values[0]
    return result


def _bool(text: str) -> bool:
    return (text or "true").strip().lower() in {"true", "1", "yes", "y"}


def _category(text: str | None, cache: dict[Any, Any]) -> Category | None:
    path = (text or "").strip().strip("/")
    if not path:
        return None
    if ("category", path) not in cache:
        cache["category", path] = Category.objects.filter(slug_path=path).first()
    category = cache["category", path]
    if category is None:
        raise InvalidInput(f"No category {path!r}.", code="unknown_category", field="category")
    return category


def _product_type(text: str, cache: dict[Any, Any]) -> ProductType:
    slug = text.strip()
    if ("type", slug) not in cache:  # setdefault would run the query every time
        cache["type", slug] = ProductType.objects.filter(slug=slug).first()
    product_type = cache["type", slug]
    if product_type is None:
        raise InvalidInput(
            f"No product type {slug!r}.", code="unknown_product_type", field="product_type"
        )
    return product_type


def _weight(text: str | None) -> int | None:
    weight = (text or "").strip()
    if weight and (not weight.isdigit() or int(weight) > 10_000_000):
        raise InvalidInput("weight_grams is a whole number of grams.", field="weight_grams")
    return int(weight) if weight else None


# A column left out of the file leaves its field as it is (a price-only file must not
# unpublish products or clear their categories); a column present but empty clears it.


def _product_data(row: Row, cache: dict[Any, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": row["product_name"].strip(),
        "slug": row["product_slug"].strip(),
        "product_type": _product_type(row["product_type"], cache),
    }
    if "category" in row:
        data["category"] = _category(row["category"], cache)
    if "status" in row:
        data["status"] = (row["status"] or "draft").strip()
    if "description" in row:
        data["description"] = row["description"] or ""
    if "product_attributes" in row:
        data["attributes"] = _parse_attributes(row["product_attributes"])
    return data


def _variant_data(row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {"sku": row["sku"].strip(), "price": row["price"]}
    if "variant_name" in row:
        data["name"] = (row["variant_name"] or "").strip()
    for name in ("compare_at_price", "cost_price"):
        if name in row:
            data[name] = row[name] or None
    if "barcode" in row:
        data["barcode"] = (row["barcode"] or "").strip()
    if "track_inventory" in row:
        data["track_inventory"] = _bool(row["track_inventory"])
    if "weight_grams" in row:
        data["weight_grams"] = _weight(row["weight_grams"])
    if "variant_attributes" in row:
        data["attributes"] = _parse_attributes(row["variant_attributes"])
    return data


def import_row(row: Row, *, actor: Actor, cache: dict[Any, Any]) -> tuple[str, int]:
    """Upsert one row (one variant and its product). Returns ("created"|"updated", product pk)."""
    missing = [name for name in REQUIRED if not (row.get(name) or "").strip()]
    if missing:
        raise InvalidInput(f"Missing values: {', '.join(sorted(missing))}.", code="missing_values")
    product_data = _product_data(row, cache)
    variant_data = _variant_data(row)
    with transaction.atomic():
        sku = variant_data["sku"]
        variant = ProductVariant.objects.select_related("product").filter(sku=sku).first()
        product = _upsert_product(product_data, variant=variant, actor=actor)
        changes = services.VariantChanges(**variant_data)
        if variant is None:
            services.create_variant(actor=actor, product=product, changes=changes)
            return "created", product.pk
        services.update_variant(actor=actor, variant=variant, changes=changes)
        return "updated", product.pk


def _upsert_product(
    data: dict[str, Any], *, variant: ProductVariant | None, actor: Actor
) -> Product:
    """The row's product, created or changed; the row's variant (if the SKU exists) must be
    one of its own."""
    product = Product.objects.filter(slug=services.make_slug(data["slug"])).first()
    if variant is not None and product is not None and variant.product_id != product.pk:
        raise InvalidInput(
            f"SKU {variant.sku} belongs to product {variant.product.slug}.",
            code="sku_taken",
            field="sku",
        )
    if product is None:
        return services.create_product(actor=actor, changes=services.ProductChanges(**data))
    data.pop("product_type")
    return services.update_product(
        actor=actor, product=product, changes=services.ProductChanges(**data)
    )


@task()
def run_product_import(import_id: str) -> None:
    product_import = ProductImport.objects.get(public_id=import_id)
    if product_import.status != ProductImport.Status.PENDING:
        return
    ProductImport.objects.filter(pk=product_import.pk).update(status=ProductImport.Status.RUNNING)
    actor = Actor(label=product_import.created_by_label or "import", source="csv_import")
    counts = {"created": 0, "updated": 0, "failed": 0}
    errors: list[dict[str, Any]] = []
    cache: dict[Any, Any] = {}
    try:
        with product_import.file.open("rb") as binary:
            for number, row in _product_rows(binary):
                try:
                    outcome, _ = import_row(row, actor=actor, cache=cache)
                    counts[outcome] += 1
                except DomainError as exc:
                    counts["failed"] += 1
                    if len(errors) < MAX_REPORTED_ERRORS:
                        errors.append(
                            {
                                "row": number,
                                "sku": row.get("sku", ""),
                                "code": exc.code,
                                "error": str(exc),
                            }
                        )
                if (number - 1) % REFRESH_EVERY == 0:
                    ProductImport.objects.filter(pk=product_import.pk).update(
                        rows_created=counts["created"],
                        rows_updated=counts["updated"],
                        rows_failed=counts["failed"],
                    )
        status, error = ProductImport.Status.FINISHED, ""
    except Exception as exc:  # a broken file or a lost database: report, don't retry
        logger.exception("Import %s failed", import_id)
        status, error = ProductImport.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    ProductImport.objects.filter(pk=product_import.pk).update(
        status=status,
        error=error,
        rows_created=counts["created"],
        rows_updated=counts["updated"],
        rows_failed=counts["failed"],
        errors=errors,
        finished_at=timezone.now(),
    )
