"""Search vectors stored without a compression attempt where the server has no lz4.

PostgreSQL compresses a stored value over 2 kB with pglz unless the server was built
with lz4 (the import then asks for lz4: articles.services.imports). pglz keeps a result
only if it saves a quarter of the value, which an article's search vector (~20 kB of
lexemes and positions) never does: the whole vector was read through for nothing, 0.12-0.2 ms
of the server's CPU an article (benchmarks.md, session 14). Stored EXTERNAL, the vector
goes out of line as it did, and is not run through pglz first. lz4 does shrink a vector by
a fifth, so where the server has it the column keeps its default storage.

The setting is the server's own; a database restored onto another server keeps it, which
costs that server only disk (or the futile attempt) and never a wrong result.
"""

from django.db import migrations

COLUMN = "ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE {}"


def store_uncompressed_without_lz4(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()  # no row before PostgreSQL 14: pglz only
        if not (row and row[0]):
            cursor.execute(COLUMN.format("EXTERNAL"))


def default_storage(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(COLUMN.format("EXTENDED"))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_article_indexes_without_like"),
    ]

    operations = [migrations.RunPython(store_uncompressed_without_lz4, default_storage)]
