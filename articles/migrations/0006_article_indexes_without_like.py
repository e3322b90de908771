"""Article indexes without the ones nothing reads.

unique=True and db_index=True on a CharField give it a second index on PostgreSQL, with
varchar_pattern_ops for LIKE 'prefix%' queries; nothing runs those on content_hash or
outlet. A lone index on published duplicated the start of article_published_order. Each
was one more index insert for every imported article, and disk for nothing.

The unique constraint and the outlet index are renamed, not rebuilt: at 100,000
articles a rebuild would hold the table's lock for seconds.
"""

from django.db import migrations, models

FORWARD = """
DROP INDEX IF EXISTS articles_article_content_hash_19e034a5_like;
DROP INDEX IF EXISTS articles_article_outlet_d4d53414_like;
DROP INDEX IF EXISTS articles_article_published_f966d7d5;
ALTER TABLE articles_article
    RENAME CONSTRAINT articles_article_content_hash_key TO article_content_hash_unique;
ALTER INDEX articles_article_outlet_d4d53414 RENAME TO article_outlet;
"""

BACKWARD = """
ALTER INDEX article_outlet RENAME TO articles_article_outlet_d4d53414;
ALTER TABLE articles_article
    RENAME CONSTRAINT article_content_hash_unique TO articles_article_content_hash_key;
CREATE INDEX articles_article_published_f966d7d5 ON articles_article (published);
CREATE INDEX articles_article_outlet_d4d53414_like
    ON articles_article (outlet varchar_pattern_ops);
CREATE INDEX articles_article_content_hash_19e034a5_like
    ON articles_article (content_hash varchar_pattern_ops);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_search_vector_built_by_the_import"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="article",
                    name="content_hash",
                    field=models.CharField(max_length=64),
                ),
                migrations.AlterField(
                    model_name="article",
                    name="outlet",
                    field=models.CharField(blank=True, max_length=200),
                ),
                migrations.AlterField(
                    model_name="article",
                    name="published",
                    field=models.DateField(blank=True, null=True),
                ),
                migrations.AddIndex(
                    model_name="article",
                    index=models.Index(fields=["outlet"], name="article_outlet"),
                ),
                migrations.AddConstraint(
                    model_name="article",
                    constraint=models.UniqueConstraint(
                        fields=("content_hash",), name="article_content_hash_unique"
                    ),
                ),
            ],
        ),
    ]
