"""The article table's indexes and storage: what queries use, nothing that only costs inserts."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from articles.models import Article, ImportBatch
from articles.services.bulk import lz4_available

SAMPLES = settings.BASE_DIR / "data" / "samples"

pytestmark = pytest.mark.django_db


def article_indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'articles_article'"
        )
        return dict(cursor.fetchall())


def plan(sql: str, params: list) -> str:
    """Return the plan PostgreSQL makes for sql when it may not read the whole table."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_no_index_that_nothing_reads():
    indexes = article_indexes()
    assert not [name for name, sql in indexes.items() if "pattern_ops" in sql], indexes
    assert not [name for name, sql in indexes.items() if sql.endswith("(published)")], indexes
    assert "article_outlet" in indexes and "article_published_order" in indexes


def test_published_ranges_and_outlets_are_read_through_the_indexes_left():
    by_date = plan(
        "SELECT id FROM articles_article WHERE published BETWEEN %s AND %s",
        ["2025-03-01", "2025-03-05"],
    )
    assert "article_published_order" in by_date, by_date
    by_outlet = plan("SELECT id FROM articles_article WHERE outlet = %s", ["新华社"])
    assert "article_outlet" in by_outlet, by_outlet


def test_the_content_hash_stays_unique():
    batch = ImportBatch.objects.create(arguments=[])
    fields = {
        "title": "t",
        "body": "正文",
        "raw_text": "正文",
        "batch": batch,
        "script": "simplified",
    }
    Article.objects.create(content_hash="a" * 64, source_name="one.txt", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(content_hash="a" * 64, source_name="two.txt", **fields)
    assert Article.objects.count() == 1


def test_search_vectors_skip_pglz_where_the_server_has_no_lz4():
    # pglz never saves the quarter it asks of a search vector, and read the whole vector
    # to find that out for every article imported (migration 0007).
    call_command("import_articles", str(SAMPLES), "--quiet", "--workers", "1")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'articles_article'::regclass"
            " AND attname = 'search_vector'"
        )
        (storage,) = cursor.fetchone()
        cursor.execute(
            "SELECT bool_and(pg_column_size(search_vector) > 2000),"
            " count(pg_column_compression(search_vector)) FROM articles_article"
        )
        out_of_line, compressed = cursor.fetchone()
    assert out_of_line  # large enough to be toasted: the storage setting applies to them
    if lz4_available():
        assert storage == "x"  # lz4 shrinks a vector by a fifth, cheaply: kept
        assert compressed == Article.objects.count()
    else:
        assert storage == "e"
        assert compressed == 0
