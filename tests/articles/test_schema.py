"""The article table's indexes: the ones queries use, and none that only cost inserts."""

import pytest
from django.db import IntegrityError, connection, transaction

from articles.models import Article, ImportBatch

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
