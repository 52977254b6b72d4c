"""Copying rows in the database: the facts from the orders, the roll-ups from the facts and
the raw events (docs/analytics.md). No row passes through Python."""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models import QuerySet


def insert_from(model: type[models.Model], source: QuerySet, columns: dict[str, Any]) -> int:
    """INSERT INTO the model's table the rows of `source` (a queryset, grouped or not), each
    column (by database name) from its expression, in one statement. Returns how many rows."""
    aliases = {f"copied_{name}": expression for name, expression in columns.items()}
    query = source.order_by().annotate(**aliases).values(*aliases).query
    sql, params = query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in columns)
    picked = ", ".join(quote(alias) for alias in aliases)
    table = quote(model._meta.db_table)  # names from the models, values all parameters
    insert = f"INSERT INTO {table} ({names}) SELECT {picked} FROM ({sql}) src"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(insert, params)
        return cursor.rowcount
