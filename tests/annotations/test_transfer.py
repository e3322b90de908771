"""Round trip: export JSONL -> a database with the same articles -> import -> same export."""

import io

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Annotation, AnnotationEvent, ClaimSource
from annotations.services import Changes, annotation_update
from tests.annotations.conftest import QUOTE, add


@pytest.fixture
def annotated(claim, samples, labels, analyst, reviewer):
    """The export tests' claim (speaker, sources), a formula note, and an anonymous claim."""
    claim = annotation_update(
        user=analyst, annotation=claim, version=claim.version, changes=Changes(note="=1+1")
    )
    anonymous = add(reviewer, samples["003"], labels["claim"], "以目前的形式,普京很难同意这项草案")
    annotation_update(
        user=reviewer,
        annotation=anonymous,
        version=1,
        changes=Changes(speaker_anonymous=True, speaker_description="一名俄罗斯资深消息人士"),
    )
    return claim


def export_to(path, kind: str) -> bytes:
    call_command("export_annotations", "--kind", kind, "--format", "jsonl", "-o", str(path))
    return path.read_bytes()


def forget_annotations() -> None:
    """Leave the articles, drop every annotation: a fresh instance with the same articles."""
    ClaimSource.objects.all().delete()
    AnnotationEvent.objects.all().delete()
    Annotation.objects.update(speaker=None)
    Annotation.objects.all().delete()


@pytest.mark.parametrize("kind", ["claims", "spans"])
def test_export_import_export_gives_identical_files(annotated, tmp_path, kind):
    first = export_to(tmp_path / "first.jsonl", kind)
    assert first.count(b"\n") == (2 if kind == "claims" else 4)
    forget_annotations()
    out = io.StringIO()
    call_command("import_annotations", str(tmp_path / "first.jsonl"), stdout=out)
    assert "skipped 0 records" in out.getvalue()
    second = export_to(tmp_path / "second.jsonl", kind)
    assert second == first
    claim = Annotation.objects.get(text=QUOTE)
    assert claim.speaker.text == "佩斯科夫" and claim.sources.count() == 2


def test_importing_twice_adds_nothing(annotated, tmp_path):
    export_to(tmp_path / "a.jsonl", "spans")
    before = Annotation.objects.count()
    out = io.StringIO()
    call_command("import_annotations", str(tmp_path / "a.jsonl"), stdout=out)
    assert Annotation.objects.count() == before
    assert "loaded 0 annotations" in out.getvalue()


def test_unmatched_records_are_reported_and_the_rest_loads(annotated, tmp_path):
    path = tmp_path / "a.jsonl"
    lines = export_to(path, "claims").decode().splitlines()
    broken = lines[0].replace('"content_hash": "', '"content_hash": "0000')
    other_user = lines[1].replace('"annotator": "rita"', '"annotator": "nobody"')
    path.write_text("\n".join([broken, other_user, "{not json", ""]) + "\n", encoding="utf-8")
    forget_annotations()
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 record"):
        call_command("import_annotations", str(path), stderr=err, stdout=io.StringIO())
    assert "no article with content hash" in err.getvalue()
    assert "no user named 'nobody'" in err.getvalue()
    assert "malformed record" in err.getvalue()
    assert not Annotation.objects.exists()


def test_dry_run_stores_nothing(annotated, tmp_path):
    export_to(tmp_path / "a.jsonl", "spans")
    forget_annotations()
    out = io.StringIO()
    call_command("import_annotations", str(tmp_path / "a.jsonl"), "--dry-run", stdout=out)
    assert "would load 4 annotations" in out.getvalue()
    assert not Annotation.objects.exists()


def test_a_missing_file_is_a_usage_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file") as caught:
        call_command("import_annotations", str(tmp_path / "nope.jsonl"))
    assert caught.value.returncode == 2
