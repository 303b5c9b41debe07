"""Queries the admin runs on every page, shaped to stay fast at millions of rows.

Each one reads a bounded number of index entries however large the table is:
no full-table COUNT(*), no DISTINCT over every row.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import connections
from django.db.models import Model, QuerySet


def _walk_index_sql(table: str, column: str) -> str:
    """Return a WITH clause naming up to %s distinct values of column `found`."""
    return f"""
        WITH RECURSIVE found (value, position) AS (
            SELECT MIN({column}), 1 FROM {table}
            UNION ALL
            SELECT
                (SELECT MIN({column}) FROM {table} WHERE {column} > found.value),
                found.position + 1
            FROM found
            WHERE found.value IS NOT NULL AND found.position < %s
        )
    """


def distinct_values(model: type[Model], column: str, *, limit: int) -> list[str]:
    """Return up to limit distinct non-null values of column, in index order.

    A loose index scan: each step asks the index for the smallest value above
    the previous one, so the cost grows with the number of distinct values
    (a hundred artists), not with the number of rows (millions of saves).
    The column must lead an index; username and hostname do.
    """
    connection = connections[model.objects.db]
    quote = connection.ops.quote_name
    sql = _walk_index_sql(quote(model._meta.db_table), quote(column))
    with connection.cursor() as cursor:
        cursor.execute(
            f"{sql} SELECT value FROM found WHERE value IS NOT NULL", [limit]
        )
        return [value for (value,) in cursor.fetchall()]


def latest_per_value(
    model: type[Model], column: str, *, newest_first_by: str, limit: int
) -> list[int]:
    """Return the primary key of the newest row for each distinct value of column.

    The values come from a loose index scan (see distinct_values); the newest
    row of each is one probe of an index on (column, newest_first_by).
    """
    connection = connections[model.objects.db]
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(column)
    order, pk = quote(newest_first_by), quote(model._meta.pk.column)
    sql = _walk_index_sql(table, column)
    newest = f"""
        SELECT (
            SELECT latest.{pk} FROM {table} AS latest
            WHERE latest.{column} = found.value
            ORDER BY latest.{order} DESC, latest.{pk} DESC LIMIT 1
        )
        FROM found WHERE found.value IS NOT NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql + newest, [limit])
        return [pk for (pk,) in cursor.fetchall()]


def estimated_row_count(model: type[Model]) -> int | None:
    """Return PostgreSQL's estimate of the table's rows, or None without one.

    The planner's own arithmetic: rows per page at the last ANALYZE times the
    pages the table has now, so the estimate follows growth between ANALYZEs.
    None on other databases and for a table never analysed.
    """
    connection = connections[model.objects.db]
    if connection.vendor != "postgresql":
        return None

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT CASE
                WHEN relpages > 0 THEN reltuples / relpages
                    * (pg_relation_size(oid) / current_setting('block_size')::int)
                ELSE reltuples
            END
            FROM pg_class WHERE oid = %s::regclass
            """,
            [model._meta.db_table],
        )
        (estimate,) = cursor.fetchone()
    if estimate is None or estimate < 0:
        return None
    return round(estimate)


def periods_with_rows(
    queryset: QuerySet, field: str, boundaries: Sequence[datetime]
) -> list[bool]:
    """Tell, for each period between consecutive boundaries, whether it has rows.

    One statement of probes, each reading the first row of its period in field
    order, so that it stops at the first matching entry of an index on field,
    instead of a DISTINCT over every row of the range. Not EXISTS: PostgreSQL
    drops the ORDER BY of an EXISTS subquery and may then scan the table from
    its start, reading most of it before it reaches a recent period.
    """
    queryset = queryset.order_by(field)
    probes = []
    params = []
    for start, end in zip(boundaries, boundaries[1:], strict=False):
        period = queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        sql, period_params = period.values("pk")[:1].query.sql_with_params()
        probes.append(f"({sql}) IS NOT NULL")
        params.extend(period_params)
    if not probes:
        return []

    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(probes)}", params)
        return [bool(found) for found in cursor.fetchone()]
