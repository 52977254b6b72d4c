"""Product search on both databases.

PostgreSQL: a weighted `tsvector` per product (name A, SKUs B, attribute values C,
description D) in `Product.search_vector`, a GIN index on it, prefix matching for as-you-type
(`word:*`), and typo tolerance through pg_trgm word similarity on the name. Relevance is
ts_rank_cd plus the trigram similarity.

SQLite: an FTS5 table `catalog_product_fts` with the same four columns, BM25 weights
10 / 5 / 2 / 1 and prefix queries (`word*`).

Services call `index_products()` in the transaction of every change, so the index is never
stale; `mercato rebuild_search_index` rebuilds it from scratch.
"""

import re
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from mercato.catalog.models import AssignedAttribute, Product, ProductVariant

FTS_TABLE = "catalog_product_fts"
WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _documents(product_ids: list[int]) -> dict[int, dict[str, str]]:
    docs: dict[int, dict[str, str]] = {}
    for pk, name, description in Product.objects.filter(pk__in=product_ids).values_list(
        "pk", "name", "description"
    ):
        docs[pk] = {"name": name, "description": description, "sku": "", "attributes": ""}
    skus: dict[int, list[str]] = defaultdict(list)
    for product_id, sku, variant_name in ProductVariant.objects.filter(
        product_id__in=product_ids
    ).values_list("product_id", "sku", "name"):
        skus[product_id] += [sku, variant_name]
    attributes: dict[int, list[str]] = defaultdict(list)
    for product_id, value_name, text in AssignedAttribute.objects.filter(
        product_id__in=product_ids
    ).values_list("product_id", "value__name", "text"):
        attributes[product_id].append(value_name or text or "")
    for pk, doc in docs.items():
        doc["sku"] = " ".join(dict.fromkeys(s for s in skus[pk] if s))
        doc["attributes"] = " ".join(dict.fromkeys(a for a in attributes[pk] if a))
    return docs


def index_products(product_ids: Iterable[int]) -> None:
    """Bring the search index of these products up to date (call inside the change's
    transaction). Deleted products drop out."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        if is_postgres():
            _index_postgres("p.id = ANY(%(ids)s)", {"ids": chunk})
        else:
            _index_sqlite(chunk, _documents(chunk))


# One set-based statement: the weighted vector of each product from its own columns, its
# variants' SKUs and names, and its attribute values.
POSTGRES_INDEX_SQL = """
UPDATE catalog_product p SET search_vector =
    setweight(to_tsvector(%(config)s::regconfig, p.name), 'A')
    || setweight(to_tsvector(%(config)s::regconfig, coalesce((
        SELECT string_agg(v.sku || ' ' || v.name, ' ')
        FROM catalog_productvariant v WHERE v.product_id = p.id), '')), 'B')
    || setweight(to_tsvector(%(config)s::regconfig, coalesce((
        SELECT string_agg(coalesce(av.name, aa.text), ' ')
        FROM catalog_assignedattribute aa
        LEFT JOIN catalog_attributevalue av ON av.id = aa.value_id
        WHERE aa.product_id = p.id), '')), 'C')
    || setweight(to_tsvector(%(config)s::regconfig, p.description), 'D')
WHERE {where}
"""


def _index_postgres(where: str, params: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            POSTGRES_INDEX_SQL.format(where=where), {"config": settings.SEARCH_CONFIG, **params}
        )


def _index_sqlite(ids: list[int], docs: dict[int, dict[str, str]]) -> None:
    with connection.cursor() as cursor:
        placeholders = ",".join("%s" for _ in ids)
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders})", ids)  # noqa: S608
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, name, sku, attributes, description) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s)",
            [
                (pk, d["name"], d["sku"], d["attributes"], d["description"])
                for pk, d in docs.items()
            ],
        )


def rebuild_index(batch_size: int = 5000) -> int:
    """Re-index every product, in batches of ids. Returns how many."""
    if not is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
    count = 0
    last = 0
    while True:
        ids = list(
            Product.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return count
        if is_postgres():
            _index_postgres("p.id BETWEEN %(low)s AND %(high)s", {"low": ids[0], "high": ids[-1]})
        else:
            _index_sqlite(ids, _documents(ids))
        count += len(ids)
        last = ids[-1]


def terms(query: str) -> list[str]:
    return WORD.findall(query.lower())[:MAX_TERMS]


def search(queryset: QuerySet[Product], query: str) -> QuerySet[Product]:
    """Filter to products matching `query`, annotated with `relevance` (higher is better)."""
    words = terms(query)
    if not words:
        return queryset.annotate(relevance=Value(0.0, output_field=FloatField()))
    if is_postgres():
        raw = " & ".join(f"{word}:*" for word in words)
        tsquery = SearchQuery(raw, search_type="raw", config=settings.SEARCH_CONFIG)
        phrase = " ".join(words)
        return queryset.filter(
            Q(search_vector=tsquery) | Q(name__trigram_word_similar=phrase)
        ).annotate(
            relevance=Coalesce(SearchRank(F("search_vector"), tsquery, cover_density=True), 0.0)
            + RawSQL(
                "word_similarity(%s, catalog_product.name)", [phrase], output_field=FloatField()
            )
            * 0.5
        )
    match = " ".join('"' + word.replace('"', "") + '"*' for word in words)
    # The table name is a constant and the words go as a parameter.
    rank = RawSQL(  # noqa: S611
        f"SELECT -bm25({FTS_TABLE}, 10.0, 5.0, 2.0, 1.0) FROM {FTS_TABLE} "  # noqa: S608
        f"WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid = catalog_product.id",
        [match],
    )
    ids = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match])  # noqa: S608, S611
    return queryset.filter(pk__in=ids).annotate(
        relevance=Coalesce(rank, 0.0, output_field=FloatField())
    )
