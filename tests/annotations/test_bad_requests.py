"""Requests a user or a script may send by mistake: each answered with a clear 4xx (or a
message on the page), never a 500, and nothing stored changes."""

import json

import pytest

from annotations.models import Annotation
from articles.models import Alias, Entity
from articles.services import entity_merge
from tests.annotations.conftest import QUOTE, add
from tests.annotations.test_export import read_csv

# "²".isdigit() is true, int("²") fails; "٣" is an Arabic-Indic three
NOT_ASCII_DIGITS = ["²", "①", "٣", "１"]


@pytest.mark.parametrize("digit", NOT_ASCII_DIGITS)
@pytest.mark.parametrize("param", ["article", "label", "annotator"])
def test_annotation_filters_take_ascii_ids_only(rita_api, db, param, digit):
    response = rita_api.get("/api/v1/annotations/", {param: digit})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {param: ["must be an id"]}


@pytest.mark.parametrize("digit", NOT_ASCII_DIGITS)
def test_article_ids_in_bodies_and_queries_are_ascii(rita_api, db, digit):
    for path in ("/api/v1/annotations/undo/", "/api/v1/annotations/done/"):
        response = rita_api.post(path, {"article": digit}, format="json")
        assert response.status_code == 400, path
        assert "article" in response.json()["error"]["fields"]
    response = rita_api.get("/api/v1/annotations/suggestions/", {"article": digit})
    assert response.status_code == 400


def test_delete_version_must_be_ascii_digits(alice_api, claim):
    response = alice_api.delete(f"/api/v1/annotations/{claim.pk}/?version=%C2%B2")
    assert response.status_code == 400
    assert "version" in response.json()["error"]["fields"]
    assert Annotation.objects.live().filter(pk=claim.pk).exists()


def test_workspace_ignores_an_annotator_that_is_no_id(reviewer_client, samples):
    article = samples["000"]
    page = reviewer_client.get(f"/articles/{article.pk}/", {"annotator": "²"})
    assert page.status_code == 200


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000],
    ids=["arrays", "objects"],
)
def test_json_nested_too_deep_is_a_parse_error(alice_api, db, body):
    response = alice_api.post("/api/v1/annotations/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_body_over_the_upload_limit_is_refused_unread(alice_api, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"note": "长" * 2000})
    response = alice_api.post("/api/v1/annotations/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "too_large",
        "message": "The request body is over 1,000 bytes.",
        "fields": {},
    }


# --- what an analyst may link --------------------------------------------------------


def quote_claim(article, labels) -> dict:
    """Return the API fields of a claim over QUOTE in article."""
    start = article.body.index(QUOTE)
    return {
        "article": article.pk,
        "label": labels["claim"].pk,
        "start": start,
        "end": start + len(QUOTE),
        "text": QUOTE,
    }


def test_an_analyst_cannot_link_another_analysts_spans(bob_api, claim, labels):
    """Bob cannot see Alice's draft speaker or source spans, so cannot link them either;
    the answer is the one for an id that does not exist, so it tells him nothing."""
    base = quote_claim(claim.article, labels)
    alices_speaker = claim.speaker_id
    alices_source = claim.sources.exclude(span=None).first().span_id
    missing = Annotation.objects.order_by("-pk").first().pk + 1000

    def answer(extra: dict, span_id: int) -> str:
        response = bob_api.post("/api/v1/annotations/", {**base, **extra}, format="json")
        assert response.status_code == 400, extra
        return json.dumps(response.json(), ensure_ascii=False).replace(str(span_id), "ID")

    speaker = answer({"speaker": alices_speaker}, alices_speaker)
    assert speaker == answer({"speaker": missing}, missing)
    assert "does not exist" in speaker
    source = answer({"sources": [{"span": alices_source}]}, alices_source)
    assert source == answer({"sources": [{"span": missing}]}, missing)
    assert not Annotation.objects.filter(annotator__username="bob").exists()


def test_a_reviewer_still_links_any_visible_span(rita_api, claim, labels):
    fields = {**quote_claim(claim.article, labels), "speaker": claim.speaker_id}
    response = rita_api.post("/api/v1/annotations/", fields, format="json")
    assert response.status_code == 201, response.json()


def test_a_merged_away_entity_is_refused_with_where_it_went(alice_api, samples, labels, analyst):
    article = samples["000"]
    peskov = Alias.objects.get(normalized="佩斯科夫").entity
    twin = Entity.objects.create(name="佩斯科夫发言人", kind="person")
    entity_merge(survivor=peskov, merged=twin, user=None)
    claim_fields = quote_claim(article, labels)
    response = alice_api.post(
        "/api/v1/annotations/", {**claim_fields, "speaker_entity": twin.pk}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "佩斯科夫发言人 was merged into 佩斯科夫: link to that entity"
    assert error["fields"] == {"speaker_entity": f"merged into entity {peskov.pk}"}
    speaker_start = article.body.index("佩斯科夫")
    response = alice_api.post(
        "/api/v1/annotations/",
        {
            "article": article.pk,
            "label": labels["speaker"].pk,
            "start": speaker_start,
            "end": speaker_start + 4,
            "text": "佩斯科夫",
            "entity": twin.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"entity": f"merged into entity {peskov.pk}"}
    assert not Annotation.objects.exists()


# --- review pages --------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"action": "accept_all", "annotator": "abc"},
        {"action": "accept", "annotation": "abc"},
        {"action": "accept", "annotation": "²"},
        {"action": "accept", "annotation": "99999999999999999999999"},
        {"action": "launch", "annotation": "1"},
        {"action": "reject", "annotation": "1", "comment": "长" * 2001},
    ],
    ids=["annotator", "annotation", "superscript", "huge", "action", "long-comment"],
)
def test_review_form_errors_are_messages(reviewer_client, claim, data):
    if data.get("annotation") == "1":
        data = {**data, "annotation": str(claim.pk)}
    response = reviewer_client.post(f"/review/{claim.article_id}/", data, follow=True)
    assert response.status_code == 200
    message = " ".join(str(m) for m in response.context["messages"])
    assert message, "the page says what was wrong"
    claim.refresh_from_db()
    assert claim.status == Annotation.Status.DRAFT and claim.review_comment == ""


def test_adopting_a_version_needs_an_analyst_id(reviewer_client, claim):
    response = reviewer_client.post(
        f"/review/agreement/{claim.article_id}/", {"annotator": "abc"}, follow=True
    )
    assert response.status_code == 200
    assert "annotator" in " ".join(str(m) for m in response.context["messages"])


# --- export --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_until_the_last_date_there_is_holds_everything(reviewer_client, claim, fmt):
    response = reviewer_client.get(
        "/export/",
        {"download": "1", "kind": "claims", "format": fmt, "until": "9999-12-31", "bom": "on"},
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        assert [row["claim_text"] for row in read_csv(content)] == [QUOTE]
    else:
        assert [json.loads(line)["text"] for line in content.splitlines()] == [QUOTE]


def test_an_export_query_fails_before_the_download_starts(reviewer_client, claim, monkeypatch):
    """A query the export cannot make fails the request; in the stream it would have
    ended a download that had already answered 200."""
    import annotations.export

    def broken(*args, **kwargs):
        raise RuntimeError("no query")

    monkeypatch.setattr(annotations.export, "_query", broken)
    reviewer_client.raise_request_exception = False
    response = reviewer_client.get("/export/", {"download": "1", "kind": "claims", "format": "csv"})
    assert response.status_code == 500 and not response.streaming


def test_an_analyst_still_links_their_own_spans(alice_api, claim, labels, analyst):
    other = add(analyst, claim.article, labels["speaker"], "普京")
    response = alice_api.patch(
        f"/api/v1/annotations/{claim.pk}/",
        {"speaker": other.pk, "version": claim.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["speaker"] == other.pk
