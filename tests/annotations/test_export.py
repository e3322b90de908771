"""Exports: columns, Excel safety, filters, streaming, and the command."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from annotations.services import Changes, SourceLink, annotation_update
from articles.models import Alias, Entity
from tests.annotations.conftest import QUOTE, add


def export(*args: str) -> bytes:
    out = io.BytesIO()
    wrapper = io.TextIOWrapper(out, encoding="utf-8")
    call_command("export_annotations", *args, stdout=wrapper)
    wrapper.flush()
    return out.getvalue()


def read_csv(data: bytes) -> list[dict]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_claims_csv_has_one_row_per_claim_with_speaker_and_sources(claim, tmp_path):
    path = tmp_path / "claims.csv"
    call_command("export_annotations", "--kind", "claims", "--format", "csv", "-o", str(path))
    data = path.read_bytes()
    assert b"\r\n" in data
    [row] = read_csv(data)
    assert row["claim_text"] == QUOTE and row["label"] == "Claim"
    assert row["speaker_text"] == "佩斯科夫" and row["speaker_entity"] == "佩斯科夫"
    assert row["speaker_entity_latin"] == "Dmitry Peskov"
    assert row["source_text"] == "塔斯社" and row["source_entity"] == "塔斯社; 塔斯社"
    assert row["annotator"] == "alice" and row["status"] == "draft" and row["note"] == "备注"
    assert int(row["start"]) == claim.start and int(row["end"]) == claim.end
    assert row["outlet"] == "样本报" and row["source_file"].endswith("000_2a6d5082bc5fee0b.txt")


def test_spans_csv_has_every_annotation(claim, tmp_path):
    path = tmp_path / "spans.csv"
    call_command("export_annotations", "--kind", "spans", "-o", str(path))
    rows = read_csv(path.read_bytes())
    assert sorted(r["label"] for r in rows) == ["Claim", "Source", "Speaker"]
    speaker = next(r for r in rows if r["label"] == "Speaker")
    assert speaker["entity"] == "佩斯科夫" and speaker["entity_kind"] == "person"


def test_cells_that_look_like_formulas_are_neutralised(samples, labels, analyst, tmp_path):
    article = samples["000"]
    claim = add(analyst, article, labels["claim"], QUOTE)
    for note in ['=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]:
        claim = annotation_update(
            user=analyst, annotation=claim, version=claim.version, changes=Changes(note=note)
        )
        path = tmp_path / "c.csv"
        call_command("export_annotations", "-o", str(path))
        [row] = read_csv(path.read_bytes())
        assert row["note"] == "'" + note, note


def test_line_breaks_stay_inside_quoted_cells(samples, labels, analyst, tmp_path):
    claim = add(analyst, samples["000"], labels["claim"], QUOTE)
    annotation_update(
        user=analyst, annotation=claim, version=1, changes=Changes(note="第一行\n第二行")
    )
    path = tmp_path / "c.csv"
    call_command("export_annotations", "-o", str(path))
    [row] = read_csv(path.read_bytes())
    assert row["note"] == "第一行\n第二行"
    assert b'"\xe7\xac\xac\xe4\xb8\x80\xe8\xa1\x8c\n' in path.read_bytes()


def test_csv_is_written_as_pythons_csv_module_writes_it(samples, labels, analyst, tmp_path):
    """PostgreSQL writes the CSV; its quoting, empty cells and row ends must be the usual."""
    claim = add(analyst, samples["000"], labels["claim"], QUOTE)
    annotation_update(
        user=analyst,
        annotation=claim,
        version=1,
        changes=Changes(note='逗号, "引号"\r\n第二行\n第三行'),
    )
    add(analyst, samples["001"], labels["claim"], samples["001"].body[:5])  # empty note
    path = tmp_path / "c.csv"
    call_command("export_annotations", "--kind", "spans", "-o", str(path))
    data = path.read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    rewritten = io.StringIO()
    csv.writer(rewritten, lineterminator="\r\n").writerows(rows)
    assert data.decode("utf-8-sig") == rewritten.getvalue()
    assert len(rows) == 3 and rows[1][-1] == '逗号, "引号"\r\n第二行\n第三行'
    assert rows[2][-1] == "" and data.endswith(b",\r\n")  # an empty note: no ""


def test_no_bom_option(claim, tmp_path):
    path = tmp_path / "c.csv"
    call_command("export_annotations", "--no-bom", "-o", str(path))
    assert path.read_bytes().startswith(b"article_id,")


def test_jsonl_nests_speaker_and_sources(claim):
    [line] = export("--format", "jsonl").decode().splitlines()
    record = json.loads(line)
    assert record["speaker"]["text"] == "佩斯科夫"
    assert record["speaker"]["entity"]["latin"] == "Dmitry Peskov"
    assert [s["text"] for s in record["sources"]] == ["塔斯社", None]
    assert record["article"]["content_hash"] == claim.article.content_hash


def test_jsonl_keeps_a_links_entity_apart_from_its_spans(claim):
    [line] = export("--format", "jsonl").decode().splitlines()
    span_link, entity_link = json.loads(line)["sources"]
    tass = {"name": "塔斯社", "latin": "TASS", "kind": "outlet"}
    assert span_link["entity"] is None and span_link["span_entity"] == tass
    assert entity_link["entity"] == tass and entity_link["span_entity"] is None


def test_filters(claim, reviewer):
    assert export("--status", "accepted") == "\ufeff".encode() + export("--status", "accepted")[3:]
    assert len(read_csv(export("--status", "accepted"))) == 0
    assert len(read_csv(export("--status", "draft", "--annotator", "alice"))) == 1
    assert len(read_csv(export("--outlet", "别的报"))) == 0
    assert len(read_csv(export("--since", "2000-01-01", "--until", "2999-12-31"))) == 1
    assert len(read_csv(export("--until", "2000-01-01"))) == 0
    assert len(read_csv(export("--kind", "spans", "--label", "Speaker"))) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since: 'yesterday' is not a date"),
        (["--annotator", "nobody"], "--annotator: no user named 'nobody'"),
        (["--label", "Nope"], "--label: unknown label 'Nope'"),
        (["--since", "2025-02-01", "--until", "2025-01-01"], "--since must not be after"),
    ],
)
def test_bad_options_are_usage_errors(db, args, message):
    with pytest.raises(CommandError, match=message) as caught:
        call_command("export_annotations", *args)
    assert caught.value.returncode == 2


def test_export_page_streams_a_named_csv(reviewer_client, claim):
    response = reviewer_client.get(
        "/export/",
        {"download": "1", "kind": "claims", "format": "csv", "status": "draft", "bom": "on"},
    )
    assert response.status_code == 200 and response.streaming
    assert 'filename="tanpan_' in response["Content-Disposition"]
    assert "claims_draft" in response["Content-Disposition"]
    rows = read_csv(b"".join(response.streaming_content))
    assert rows[0]["claim_text"] == QUOTE


def test_export_page_form_errors_are_400(reviewer_client, db):
    response = reviewer_client.get("/export/", {"download": "1", "kind": "nope"})
    assert response.status_code == 400


def test_analysts_cannot_export(analyst_client, db):
    assert analyst_client.get("/export/").status_code == 403
    assert analyst_client.get("/export/", {"download": "1"}).status_code == 403


def test_deleted_annotations_are_not_exported(claim, analyst):
    from annotations.services import annotation_delete

    annotation_delete(user=analyst, annotation=claim, version=claim.version)
    assert read_csv(export()) == []


def test_several_sources_are_joined_in_the_order_they_were_linked(samples, labels, analyst):
    article = samples["000"]
    tass = Alias.objects.get(normalized="塔斯社").entity
    other = Entity.objects.filter(kind=Entity.Kind.OUTLET).exclude(pk=tass.pk).first()
    span = add(analyst, article, labels["source"], "塔斯社", entity=tass)
    claim = add(analyst, article, labels["claim"], QUOTE)
    annotation_update(
        user=analyst,
        annotation=claim,
        version=1,
        changes=Changes(sources=[SourceLink(entity=other), SourceLink(span=span)]),
    )
    [row] = read_csv(export())
    assert row["source_entity"] == f"{other.name}; 塔斯社"
    assert row["source_entity_id"] == f"{other.pk}; {tass.pk}"
    assert row["source_text"] == "塔斯社"  # the first link has no span
