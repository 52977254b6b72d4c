"""Search infrastructure that differs by database: on PostgreSQL the pg_trgm extension, a GIN
index on the weighted search vector and a trigram index on names; on SQLite an FTS5 table."""

from django.db import migrations

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_product_search_gin "
    "ON catalog_product USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS catalog_product_name_trgm "
    "ON catalog_product USING gin (name gin_trgm_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS catalog_product_name_trgm",
    "DROP INDEX IF EXISTS catalog_product_search_gin",
]
SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_fts USING fts5("
    "name, sku, attributes, description, tokenize='unicode61 remove_diacritics 2')"
]
SQLITE_DOWN = ["DROP TABLE IF EXISTS catalog_product_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
