"""Round trip: export JSONL -> an instance with the same articles -> import -> same export."""

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection

from annotations.models import Annotation, AnnotationEvent, ClaimSource
from annotations.services import (
    Changes,
    SourceLink,
    annotation_delete,
    annotation_review,
    annotation_update,
)
from articles.models import Alias, Article, Entity
from tests.annotations.conftest import QUOTE, add
from tests.conftest import PASSWORD, SAMPLES

# An article with characters outside the BMP and a claim that runs over a line break.
ASTRAL_ARTICLE = (
    "𠮷报:谈判在𠮷林继续\n"
    "𠮷报记者报道,发言人在记者会上表示:“谈判将在𠮷林继续 😀\n双方都同意下周再谈。”\n"
    "另一位官员说,会谈气氛友好。\n"
)
ASTRAL_CLAIM = "谈判将在𠮷林继续 😀\n双方都同意下周再谈。"


@pytest.fixture
def annotated(claim, samples, labels, analyst, other_analyst, reviewer, write_article):
    """Claims with every kind of speaker and source, reviews, odd text, and what exports skip.

    - alice's claim in 000: a speaker span with an entity, a source span and an outlet
      entity, a note that looks like a formula with astral characters and a line break,
      accepted by rita with a comment;
    - rita's claim in 003 with an anonymous speaker;
    - alice's claim over a line break in an article with astral characters, made before
      its spans: a speaker span deleted after it was linked, a speaker entity made by hand
      (the other instance has no such entity), bob's source span made after it, and bob's
      claim in between; rejected by rita;
    - the same span claimed twice by bob in 002;
    - a deleted claim in 001, which exports leave out.
    """
    claim = annotation_update(
        user=analyst,
        annotation=claim,
        version=claim.version,
        changes=Changes(note="=1+1\n第二行 𠮷 😀"),
    )
    annotation_review(user=reviewer, annotation=claim, accept=True, comment="可以 👍")

    anonymous = add(reviewer, samples["003"], labels["claim"], "以目前的形式,普京很难同意这项草案")
    annotation_update(
        user=reviewer,
        annotation=anonymous,
        version=1,
        changes=Changes(speaker_anonymous=True, speaker_description="一名俄罗斯资深消息人士"),
    )

    article = write_article(ASTRAL_ARTICLE, name="astral.txt", outlet="样本报")
    yoshida = Entity.objects.create(
        name="𠮷田茂", kind=Entity.Kind.PERSON, latin_name="Shigeru Yoshida"
    )
    later = add(analyst, article, labels["claim"], ASTRAL_CLAIM)
    add(other_analyst, article, labels["claim"], "会谈气氛友好")
    outlet = add(other_analyst, article, labels["source"], "𠮷报记者")
    speaker = add(analyst, article, labels["speaker"], "发言人")
    later = annotation_update(
        user=analyst,
        annotation=later,
        version=1,
        changes=Changes(speaker=speaker, speaker_entity=yoshida, sources=[SourceLink(span=outlet)]),
    )
    annotation_delete(user=analyst, annotation=speaker, version=speaker.version)
    annotation_review(user=reviewer, annotation=later, accept=False, comment="理由:\n𠮷 不清楚")

    add(other_analyst, samples["002"], labels["claim"], "双方同意尽快任命谈判团队")
    add(other_analyst, samples["002"], labels["claim"], "双方同意尽快任命谈判团队")

    gone = add(analyst, samples["001"], labels["claim"], "乌方也公布消息称")
    annotation_delete(user=analyst, annotation=gone, version=gone.version)
    return claim


SPANS, CLAIMS = 9, 6  # live annotations and claims in the annotated fixture's exports


def export_to(path: Path, kind: str, fmt: str = "jsonl") -> bytes:
    call_command("export_annotations", "--kind", kind, "--format", fmt, "-o", str(path))
    return path.read_bytes()


def forget_annotations() -> None:
    """Leave the articles, drop every annotation: a fresh instance with the same articles."""
    ClaimSource.objects.all().delete()
    AnnotationEvent.objects.all().delete()
    Annotation.objects.update(speaker=None)
    Annotation.objects.all().delete()


def load(path: Path, *args: str) -> tuple[str, str]:
    """Run import_annotations; return its output and errors."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_annotations", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_jsonl_names_no_database_ids(annotated, tmp_path):
    def keys(value) -> Iterator[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from keys(item)
        elif isinstance(value, list):
            for item in value:
                yield from keys(item)

    for kind in ("claims", "spans"):
        for line in export_to(tmp_path / "a.jsonl", kind).decode().splitlines():
            assert not [key for key in keys(json.loads(line)) if key == "id" or "_id" in key]


@pytest.mark.parametrize("kind", ["claims", "spans"])
def test_export_import_export_gives_identical_files(annotated, tmp_path, kind):
    first = export_to(tmp_path / "first.jsonl", kind)
    assert first.count(b"\n") == (CLAIMS if kind == "claims" else SPANS)
    forget_annotations()
    out, err = load(tmp_path / "first.jsonl")
    assert "skipped 0 records" in out and not err
    assert export_to(tmp_path / "second.jsonl", kind) == first
    claim = Annotation.objects.get(text=QUOTE)
    assert claim.speaker.text == "佩斯科夫" and claim.sources.count() == 2
    assert claim.speaker_entity.name == "佩斯科夫"  # the link's own, not only the span's
    assert not Annotation.objects.filter(text="乌方也公布消息称").exists()


def test_importing_twice_adds_nothing(annotated, tmp_path):
    export_to(tmp_path / "a.jsonl", "spans")
    before = Annotation.objects.count(), ClaimSource.objects.count()
    out, _ = load(tmp_path / "a.jsonl")
    assert (Annotation.objects.count(), ClaimSource.objects.count()) == before
    assert f"loaded 0 annotations ({SPANS} already present)" in out


def test_a_claims_file_after_its_spans_file_adds_nothing(annotated, tmp_path):
    export_to(tmp_path / "spans.jsonl", "spans")
    export_to(tmp_path / "claims.jsonl", "claims")
    forget_annotations()
    load(tmp_path / "spans.jsonl")
    out, _ = load(tmp_path / "claims.jsonl")
    assert f"loaded 0 annotations ({CLAIMS} already present)" in out


def test_an_entity_missing_here_is_made_and_reported(annotated, tmp_path):
    first = export_to(tmp_path / "a.jsonl", "spans")
    forget_annotations()
    Entity.objects.filter(name="𠮷田茂").delete()
    out, err = load(tmp_path / "a.jsonl")
    assert "created person entity '𠮷田茂' (Shigeru Yoshida)" in out and not err
    made = Entity.objects.get(name="𠮷田茂")
    assert made.aliases.get().name == "𠮷田茂"
    assert export_to(tmp_path / "b.jsonl", "spans") == first


def test_an_entity_merged_here_is_found_by_alias(annotated, tmp_path):
    export_to(tmp_path / "a.jsonl", "spans")
    forget_annotations()
    yoshida = Entity.objects.get(name="𠮷田茂")
    survivor = Entity.objects.create(name="吉田茂", kind=Entity.Kind.PERSON)
    Alias.objects.create(entity=survivor, name="𠮷田茂", normalized="𠮷田茂")
    yoshida.merged_into = survivor
    yoshida.save()
    out, _ = load(tmp_path / "a.jsonl")
    assert "person entity '𠮷田茂' matched '吉田茂' by alias" in out
    assert Annotation.objects.get(text=ASTRAL_CLAIM).speaker_entity == survivor


def test_unmatched_records_are_reported_with_their_line_and_the_rest_loads(annotated, tmp_path):
    path = tmp_path / "a.jsonl"
    lines = export_to(path, "claims").decode().splitlines()
    records = [json.loads(line) for line in lines]
    records[0]["article"]["content_hash"] = "0000" + records[0]["article"]["content_hash"][4:]
    records[1]["annotator"] = "nobody"
    records[2]["start"] += 1
    records[3]["label"] = "Speaker"
    records[4]["speaker"] = {"anonymous": True, "description": "很长" * 101}
    broken = [json.dumps(record, ensure_ascii=False) for record in records[:5]]
    path.write_text("\n".join([*broken, "{not json", lines[5]]) + "\n", encoding="utf-8")
    forget_annotations()
    err = io.StringIO()
    with pytest.raises(CommandError, match="6 record") as caught:
        call_command("import_annotations", str(path), stderr=err, stdout=io.StringIO())
    assert caught.value.returncode == 1
    reported = err.getvalue().splitlines()
    assert [line.split(": ", 1)[0].strip() for line in reported] == [
        f"{path}:{number}" for number in range(1, 7)
    ]
    assert "no article with content hash 0000" in reported[0]
    assert "no user named 'nobody'" in reported[1]
    assert "is not at" in reported[2]
    assert "label 'Speaker' is a speaker label here, a claim label in the file" in reported[3]
    assert "cannot be stored" in reported[4]
    assert "malformed record" in reported[5]
    [loaded] = Annotation.objects.filter(label__kind="claim")
    assert loaded.text == records[5]["text"]


def test_an_error_after_the_records_loads_nothing(annotated, tmp_path, monkeypatch):
    export_to(tmp_path / "a.jsonl", "spans")
    forget_annotations()
    Entity.objects.filter(name="𠮷田茂").delete()

    def fail(*args, **kwargs):
        raise DatabaseError("the disk is full")

    monkeypatch.setattr("annotations.transfer._second_pass", fail)
    with pytest.raises(CommandError, match="the disk is full; nothing was loaded"):
        load(tmp_path / "a.jsonl")
    assert not Annotation.objects.exists()
    assert not Entity.objects.filter(name="𠮷田茂").exists()


def test_dry_run_stores_nothing(annotated, tmp_path):
    export_to(tmp_path / "a.jsonl", "spans")
    forget_annotations()
    out, _ = load(tmp_path / "a.jsonl", "--dry-run")
    assert f"would load {SPANS + 1} annotations" in out  # and the deleted speaker span
    assert not Annotation.objects.exists()


def test_a_missing_file_is_a_usage_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file") as caught:
        call_command("import_annotations", str(tmp_path / "nope.jsonl"))
    assert caught.value.returncode == 2


# The round trip the issue asks for: another database, other ids, the same files.


@contextlib.contextmanager
def second_database() -> Iterator[str]:
    """Create an empty database next to the test database; yield its URL; drop it."""
    db = connection.settings_dict
    name = f"{db['NAME']}_second"
    server = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
            host = quote(server["host"], safe="")
            yield f"postgres://{db['USER']}{password}@{host}:{server['port']}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(url: str, *args: str, status: int = 0, **env: str) -> str:
    """Run manage.py against the database at url; return its output."""
    environment = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", **env}
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == status, result.stdout + result.stderr
    return result.stdout + result.stderr


def without_ids(data: bytes) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    for row in rows:
        for column in ("article_id", "speaker_entity_id", "source_entity_id"):
            del row[column]
    return rows


@pytest.mark.slow
def test_round_trip_through_another_database(annotated, tmp_path):
    spans = export_to(tmp_path / "spans.jsonl", "spans")
    claims = export_to(tmp_path / "claims.jsonl", "claims")
    claims_csv = export_to(tmp_path / "claims.csv", "claims", "csv")
    articles = Article.objects.order_by("id")
    here = [article.content_hash for article in articles]
    paths = [article.source_name for article in articles]
    assert paths[:4] == sorted(str(path) for path in SAMPLES.iterdir())

    with second_database() as url:
        manage(url, "migrate", "--no-input")
        # the same files, the other way round: every article gets another id
        manage(url, "import_articles", *reversed(paths), "--outlet", "样本报", "--workers", "1")
        for name, role in [("alice", "analyst"), ("bob", "analyst"), ("rita", "reviewer")]:
            manage(url, "create_user", name, "--role", role, TANPAN_PASSWORD=PASSWORD)
        with psycopg.connect(url) as there:
            rows = there.execute("SELECT content_hash FROM articles_article ORDER BY id")
            assert [content_hash for (content_hash,) in rows] == here[::-1]

        out = manage(url, "import_annotations", str(tmp_path / "spans.jsonl"))
        assert f"loaded {SPANS + 1} annotations (0 already present), skipped 0 records" in out
        assert "created person entity '𠮷田茂' (Shigeru Yoshida)" in out

        for kind, fmt, first in [("spans", "jsonl", spans), ("claims", "jsonl", claims)]:
            again = tmp_path / f"again_{kind}.{fmt}"
            manage(url, "export_annotations", "--kind", kind, "--format", fmt, "-o", str(again))
            assert again.read_bytes() == first, kind
        again = tmp_path / "again_claims.csv"
        manage(url, "export_annotations", "--kind", "claims", "-o", str(again))
        assert without_ids(again.read_bytes()) == without_ids(claims_csv)

        for path in ("spans.jsonl", "claims.jsonl"):
            out = manage(url, "import_annotations", str(tmp_path / path))
            assert "loaded 0 annotations" in out

        # bob's records, and alice's claim that names his source span
        broken = tmp_path / "broken.jsonl"
        broken.write_text(spans.decode().replace('"annotator": "bob"', '"annotator": "ben"'))
        out = manage(url, "import_annotations", str(broken), status=1)
        lines = broken.read_text().splitlines()
        failed = [number for number, line in enumerate(lines, 1) if '"ben"' in line]
        assert len(failed) == 5
        for number in failed:
            assert f"{broken}:{number}: no user named 'ben'" in out
        assert f"skipped {len(failed)} records" in out
