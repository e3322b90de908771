"""The search vector becomes a stored tsvector the import builds, not a generated column.

PostgreSQL's to_tsvector() over the token strings cost the database about a millisecond
an article on import; the import's workers now build the vector themselves, one lexeme a
word (articles.pipeline.search.tsvector_literal). Existing vectors are rebuilt from the
stored token strings, which are then dropped: the vector is all that search reads.
The functions below are frozen copies of the pipeline's at the time of this migration.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

BATCH = 1000
_WORDLIKE = __import__("re").compile(r"[0-9A-Za-z\u3400-\u9fff\U00020000-\U0003134f]")


def _hyphen_parts(term):
    if "-" not in term:
        return []
    return [part for part in term.split("-") if part and part != term and _WORDLIKE.search(part)]


def _literal(title_terms, body_terms):
    positions, size, position = {}, 0, 0
    for weight, terms in (("A", title_terms), ("B", body_terms)):
        for term in terms:
            position = min(position + 1, 16383)
            found = positions.get(term)
            if found is None:
                length = len(term.encode())
                if length > 2046 or size + length + 5 > 1_000_000:
                    continue
                size += length + 5
                positions[term] = [f"{position}{weight}"]
            elif (
                len(found) < 255
                and size + 2 <= 1_000_000
                and found[-1] != (mark := f"{position}{weight}")
            ):
                size += 2
                found.append(mark)
    return " ".join(
        "'" + term.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(marks)
        for term, marks in positions.items()
    )


def rebuild_vectors(apps, schema_editor):
    table = apps.get_model("articles", "Article")._meta.db_table
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, title_tokens, body_tokens FROM {table} "  # noqa: S608
                "WHERE id > %s ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            ids, vectors = [], []
            for pk, title_tokens, body_tokens in rows:
                body = body_tokens.split()
                # The parser used to index a hyphenated word's parts too: so does the pipeline.
                body += [part for term in body for part in _hyphen_parts(term)]
                ids.append(pk)
                vectors.append(_literal(title_tokens.split(), body))
            cursor.execute(
                f"UPDATE {table} AS a SET search_vector = v.vector::tsvector "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, vector) WHERE a.id = v.id",
                [ids, vectors],
            )
            last = ids[-1]


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_mention_covered_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="article", name="article_search_gin"),
        migrations.RemoveField(model_name="article", name="search_vector"),
        migrations.AddField(
            model_name="article",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(default=""),
        ),
        # irreversible: the token strings it reads are dropped below
        migrations.RunPython(rebuild_vectors),
        migrations.RemoveField(model_name="article", name="title_tokens"),
        migrations.RemoveField(model_name="article", name="body_tokens"),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="article_search_gin"
            ),
        ),
    ]
