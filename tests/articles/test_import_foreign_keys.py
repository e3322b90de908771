"""The import's foreign keys: checked per chunk with the row triggers off, or per row.

Where the session may set session_replication_role, the import copies a chunk's rows
with PostgreSQL's foreign-key triggers off and checks the references itself, one query
per referenced table (articles.services.bulk.ForeignKeys). These tests hold it to what the
triggers guarantee: the same rows stored, a missing reference failing the chunk whole,
referenced rows locked until the chunk commits; and the triggers kept on where the
session lacks the right, or a table has a trigger of its own.
"""

import io
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from annotations.models import Suggestion
from articles import services
from articles.models import Alias, Article, Entity, ImportBatch, Mention
from articles.services import bulk, imports

SAMPLES = settings.BASE_DIR / "data" / "samples"
pytestmark = pytest.mark.django_db
TABLES = [Article, Mention, Suggestion]  # what the import writes


def run_import(*paths: str) -> str:
    out = io.StringIO()
    call_command("import_articles", *paths, "--quiet", "--workers", "1", stdout=out)
    return out.getvalue()


def stored_rows() -> tuple[list, list]:
    """Return the mentions and suggestions stored, without their ids."""
    mentions = sorted(
        Mention.objects.values_list(
            "article__source_name", "entity__name", "start", "end", "method"
        )
    )
    suggestions = sorted(
        (
            s.article.source_name,
            s.kind,
            s.start,
            s.end,
            s.text,
            s.entity.name if s.entity else None,
            s.rule,
            (s.speaker.start, s.speaker.end) if s.speaker else None,
            (s.source.start, s.source.end) if s.source else None,
            s.anonymous,
        )
        for s in Suggestion.objects.select_related("article", "entity", "speaker", "source")
    )
    return mentions, suggestions


ALIAS_COLUMNS = ["entity_id", "name", "normalized", "origin", "created_at"]


def alias_row(entity_id: int, name: str) -> tuple:
    """Return a row for ALIAS_COLUMNS: ForeignKeys writes any model's rows."""
    return (entity_id, name, f"{name}{uuid.uuid4().hex}", "manual", "2026-11-22T00:00:00Z")


def test_the_test_database_lets_the_import_turn_the_triggers_off():
    # The test databases (embedded, or CI's PostgreSQL as postgres) are a superuser's:
    # the rest of the suite imports the fast way.
    assert imports.fk_triggers_skippable(TABLES)
    with CaptureQueriesContext(connection) as queries:
        run_import(str(SAMPLES))
    statements = [q["sql"] for q in queries.captured_queries]
    assert any("session_replication_role = replica" in sql for sql in statements)
    checks = [sql for sql in statements if "FOR KEY SHARE" in sql]
    # one query per referenced table, for the one chunk: the batch and the entities; the
    # articles and suggestions referred to were written in the same transaction
    assert sorted(sql.split(" FROM ")[1].split(" ")[0] for sql in checks) == [
        '"articles_entity"',
        '"articles_importbatch"',
    ]


def test_the_same_rows_are_stored_with_the_triggers_on_or_off(monkeypatch):
    # Each import from the same state: one rolled back (an import also learns aliases).
    with transaction.atomic():
        run_import(str(SAMPLES))
        fast = stored_rows()
        transaction.set_rollback(True)
    assert len(fast[0]) > 100 and len(fast[1]) > 20
    assert any(row[7] for row in fast[1])  # claims pointing at their speaker
    assert not Mention.objects.exists() and not Suggestion.objects.exists()

    monkeypatch.setattr(imports, "fk_triggers_skippable", lambda tables: False)
    with CaptureQueriesContext(connection) as queries:
        run_import(str(SAMPLES))
    assert not any("session_replication_role" in q["sql"] for q in queries.captured_queries)
    assert stored_rows() == fast


def test_a_role_without_the_right_keeps_the_triggers_on():
    role = f"tanpan_plain_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        # created in the test's transaction, so gone with it
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"SET ROLE {role}")
        try:
            assert not imports.fk_triggers_skippable(TABLES)
            cursor.execute(f"RESET ROLE; GRANT SET ON PARAMETER session_replication_role TO {role}")
            cursor.execute(f"SET ROLE {role}")
            assert imports.fk_triggers_skippable(TABLES)
        finally:
            cursor.execute("RESET ROLE")


def test_a_trigger_on_insert_of_its_own_keeps_the_triggers_on():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION tanpan_test_noop() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER tanpan_test_audit AFTER INSERT ON annotations_suggestion "
            "FOR EACH ROW EXECUTE FUNCTION tanpan_test_noop()"
        )
    assert not imports.fk_triggers_skippable(TABLES)


@pytest.mark.django_db(transaction=True)  # committed: the triggers check at commit
@pytest.mark.parametrize("triggers_off", [True, False], ids=["triggers off", "triggers on"])
def test_an_entity_deleted_during_the_import_fails_its_articles_not_the_rest(
    monkeypatch, triggers_off
):
    """The workers' alias index names an entity someone deleted meanwhile."""
    monkeypatch.setattr(imports, "fk_triggers_skippable", lambda tables: triggers_off)
    services.lexicon_load()
    index = services.alias_index()  # taken before the deletion, as workers hold it
    monkeypatch.setattr(imports, "alias_index", lambda: index)
    gone = Entity.objects.get(name="鲁比奥")  # Rubio: in three of the four samples
    gone_id = gone.pk
    gone.delete()

    err = io.StringIO()
    with pytest.raises(CommandError, match="3 file"):
        call_command("import_articles", str(SAMPLES), "--quiet", "--workers", "1", stderr=err)

    batch = ImportBatch.objects.get()
    failed = {error["file"]: error["reason"] for error in batch.errors}
    assert len(failed) == batch.failed == 3 and batch.duplicates == 0
    assert all("could not be stored" in reason for reason in failed.values())
    assert all("articles_mention" in reason for reason in failed.values())
    if triggers_off:
        assert all(f"articles_entity.id = {gone_id}," in r for r in failed.values())
    assert batch.added == Article.objects.count() == 1
    assert all(name in err.getvalue() for name in failed)
    # nothing half-written: no article of a failed file, no row pointing at the entity
    assert not Article.objects.filter(source_name__in=list(failed)).exists()
    assert not Mention.objects.filter(entity_id=gone_id).exists()
    assert not Suggestion.objects.filter(entity_id=gone_id).exists()
    assert set(Mention.objects.values_list("article_id", flat=True)) == set(
        Article.objects.values_list("pk", flat=True)
    )


def test_the_check_names_the_column_and_the_missing_row():
    services.lexicon_load()
    entity = Entity.objects.first()
    missing = Entity.objects.order_by("-pk").first().pk + 1000
    rows = [alias_row(entity.pk, "甲"), alias_row(missing, "乙")]
    with (
        pytest.raises(IntegrityError) as caught,
        transaction.atomic(),
        bulk.ForeignKeys(skip_triggers=True) as keys,
    ):
        keys.copy(Alias, ALIAS_COLUMNS, rows)
    assert str(caught.value) == (
        f"articles_alias.entity_id refers to articles_entity.id = {missing}, "
        "which does not exist (1 such values)"
    )
    assert not Alias.objects.filter(name__in=["甲", "乙"]).exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"  # the rollback restored it


def test_references_to_rows_of_other_chunks_are_checked(tmp_path):
    """A near-duplicate refers to an article of an earlier chunk: looked up and locked."""
    first = min(SAMPLES.glob("*.txt"))
    (tmp_path / "a.txt").write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    run_import(str(tmp_path / "a.txt"))
    original = Article.objects.get()
    edited = original.body.replace("。", "!", 1) + "\n新增一句。"
    (tmp_path / "b.txt").write_text(f"{original.title}\n{edited}", encoding="utf-8")
    with CaptureQueriesContext(connection) as queries:
        run_import(str(tmp_path / "b.txt"))
    copy = Article.objects.exclude(pk=original.pk).get()
    assert copy.near_duplicate_of_id == original.pk
    checks = [q["sql"] for q in queries.captured_queries if "FOR KEY SHARE" in q["sql"]]
    assert any('FROM "articles_article"' in sql for sql in checks)


def test_the_triggers_are_back_on_for_the_rest_of_the_chunk():
    services.lexicon_load()
    entity = Entity.objects.first()
    with transaction.atomic():
        with bulk.ForeignKeys(skip_triggers=True) as keys:
            keys.copy(Alias, ALIAS_COLUMNS, [alias_row(entity.pk, "丙")])
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"


@pytest.mark.django_db(transaction=True)
def test_referenced_rows_stay_locked_until_the_chunk_commits():
    """As the trigger does: no one deletes a referenced entity before the chunk commits."""
    services.lexicon_load()
    entity = Entity.objects.create(name="测试人物", kind=Entity.Kind.PERSON)
    db = connection.settings_dict
    other = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )
    try:
        other.execute("SET lock_timeout = '200ms'")
        with transaction.atomic():
            with bulk.ForeignKeys(skip_triggers=True) as keys:
                keys.copy(Alias, ALIAS_COLUMNS, [alias_row(entity.pk, "测试")])
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM articles_entity WHERE id = %s", [entity.pk])
        # committed: now the deletion is refused by the foreign key, not the lock
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            other.execute("DELETE FROM articles_entity WHERE id = %s", [entity.pk])
    finally:
        other.close()
