"""Trigram indexes for the admin's search, on PostgreSQL only.

The admin searches with `icontains`, which Django turns into
UPPER(column::text) LIKE UPPER('%term%'). A B-tree cannot serve a pattern with
a leading %, so on millions of rows that search would read the whole table.
pg_trgm's GIN index on exactly that expression can. SQLite has no such index;
there the migration does nothing.
"""

from django.db import migrations

INDEXES = {
    "save_username_trgm_idx": "username",
    "save_file_path_trgm_idx": "file_path",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON saves_savereport "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("saves", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
