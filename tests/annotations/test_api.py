"""The annotation API: validation, UTF-16 offsets, permissions, history, undo, conflicts."""

import uuid

import pytest

from annotations.models import Annotation, AnnotationEvent
from articles.models import Alias, Article

QUOTE = "艰苦的工作仍在继续"


def span(article: Article, text: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = article.body.index(text, start + 1)
    return start, start + len(text)


def create(client, article, label, text, **extra):
    start, end = span(article, text)
    payload = {"article": article.pk, "label": label.pk, "start": start, "end": end, "text": text}
    return client.post("/api/v1/annotations/", {**payload, **extra}, format="json")


def test_analyst_creates_a_claim_and_it_is_listed(alice_api, samples, labels, analyst):
    article = samples["000"]
    response = create(alice_api, article, labels["claim"], QUOTE)
    assert response.status_code == 201
    body = response.json()
    assert body["text"] == QUOTE and body["annotator"] == analyst.pk and body["version"] == 1
    assert body["status"] == "draft" and body["origin"] == "manual"
    listed = alice_api.get("/api/v1/annotations/", {"article": article.pk}).json()
    assert [a["id"] for a in listed["results"]] == [body["id"]]
    article.refresh_from_db()
    assert article.annotation_status == "in_progress"
    event = AnnotationEvent.objects.get()
    assert (event.action, event.before, event.after["text"]) == ("create", None, QUOTE)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": 10_000_000, "end": 10_000_005}, "start"),
        ({"text": "不是这段文字"}, "text"),
        ({"label": 999}, "label"),
        ({"article": 999999}, "article"),
    ],
)
def test_bad_annotations_get_a_clear_400(alice_api, samples, labels, change, field):
    article = samples["000"]
    start, end = span(article, QUOTE)
    payload = {
        "article": article.pk,
        "label": labels["claim"].pk,
        "start": start,
        "end": end,
        "text": QUOTE,
        **change,
    }
    response = alice_api.post("/api/v1/annotations/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert not Annotation.objects.exists()


def test_start_must_be_before_end(alice_api, samples, labels):
    article = samples["000"]
    start, _ = span(article, QUOTE)
    response = alice_api.post(
        "/api/v1/annotations/",
        {
            "article": article.pk,
            "label": labels["claim"].pk,
            "start": start,
            "end": start,
            "text": "x",
        },
        format="json",
    )
    assert response.status_code == 400


def test_utf16_offsets_are_converted_for_emoji_and_extension_b(alice_api, write_article, labels):
    article = write_article("表情测试\n前文😀𠮷和平计划“停火”😀后文。", name="emoji.txt")
    text = "和平计划“停火”"
    start = article.body.index(text)
    start16 = len(article.body[:start].encode("utf-16-le")) // 2
    assert start16 == start + 2  # one emoji and one Extension B character before it
    response = alice_api.post(
        "/api/v1/annotations/",
        {
            "article": article.pk,
            "label": labels["claim"].pk,
            "start": start16,
            "end": start16 + len(text),
            "unit": "utf16",
            "text": text,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["start"], body["end"]) == (start, start + len(text))
    assert (body["start16"], body["end16"]) == (start16, start16 + len(text))
    split = alice_api.post(
        "/api/v1/annotations/",
        {
            "article": article.pk,
            "label": labels["claim"].pk,
            "start": start16 - 3,
            "end": start16,
            "unit": "utf16",
            "text": "x",
        },
        format="json",
    )
    assert split.status_code == 400 and "surrogate" in split.json()["error"]["message"] + str(
        split.json()["error"]["fields"]
    )


def test_double_submit_with_one_client_key_creates_one_annotation(alice_api, samples, labels):
    key = str(uuid.uuid4())
    first = create(alice_api, samples["000"], labels["claim"], QUOTE, client_key=key)
    second = create(alice_api, samples["000"], labels["claim"], QUOTE, client_key=key)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Annotation.objects.count() == 1


def test_claim_links_a_speaker_span_entity_and_sources(alice_api, samples, labels):
    article = samples["000"]
    claim = create(alice_api, article, labels["claim"], QUOTE).json()
    peskov = Alias.objects.get(normalized="佩斯科夫").entity
    speaker = create(alice_api, article, labels["speaker"], "佩斯科夫", entity=peskov.pk).json()
    tass = Alias.objects.get(normalized="塔斯社").entity
    source = create(alice_api, article, labels["source"], "塔斯社").json()
    response = alice_api.patch(
        f"/api/v1/annotations/{claim['id']}/",
        {
            "version": 1,
            "speaker": speaker["id"],
            "speaker_entity": peskov.pk,
            "sources": [{"span": source["id"]}, {"entity": tass.pk}],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["speaker_text"] == "佩斯科夫" and body["speaker_entity"]["name"] == "佩斯科夫"
    assert [s["span_text"] for s in body["sources"]] == ["塔斯社", None]
    assert body["sources"][1]["entity"]["name"] == "塔斯社"
    assert body["version"] == 2


def test_anonymous_speaker_with_a_description(alice_api, samples, labels):
    article = samples["003"]
    claim = create(alice_api, article, labels["claim"], "以目前的形式,普京很难同意这项草案").json()
    response = alice_api.patch(
        f"/api/v1/annotations/{claim['id']}/",
        {"version": 1, "speaker_anonymous": True, "speaker_description": "一名俄罗斯资深消息人士"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["speaker_description"] == "一名俄罗斯资深消息人士"


@pytest.mark.parametrize(
    "case",
    [
        "speaker_is_a_claim",
        "speaker_entity_is_a_place",
        "source_entity_is_a_person",
        "other_article",
    ],
)
def test_links_are_checked(alice_api, samples, labels, case):
    article = samples["000"]
    claim = create(alice_api, article, labels["claim"], QUOTE).json()
    other_claim = create(alice_api, article, labels["claim"], "普京会听的").json()
    moscow = Alias.objects.get(normalized="莫斯科").entity
    putin = Alias.objects.get(normalized="普京").entity
    elsewhere = create(alice_api, samples["001"], labels["speaker"], "佩斯科夫").json()
    change = {
        "speaker_is_a_claim": {"speaker": other_claim["id"]},
        "speaker_entity_is_a_place": {"speaker_entity": moscow.pk},
        "source_entity_is_a_person": {"sources": [{"entity": putin.pk}]},
        "other_article": {"speaker": elsewhere["id"]},
    }[case]
    response = alice_api.patch(
        f"/api/v1/annotations/{claim['id']}/", {"version": 1, **change}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_stale_version_is_a_409_with_the_current_state(alice_api, rita_api, samples, labels):
    claim = create(alice_api, samples["000"], labels["claim"], QUOTE).json()
    assert (
        rita_api.patch(
            f"/api/v1/annotations/{claim['id']}/", {"version": 1, "note": "审"}, format="json"
        ).status_code
        == 200
    )
    stale = alice_api.patch(
        f"/api/v1/annotations/{claim['id']}/", {"version": 1, "note": "mine"}, format="json"
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"]["code"] == "conflict" and "rita" in body["error"]["message"]
    assert body["current"]["note"] == "审" and body["current"]["version"] == 2


def test_analysts_see_and_edit_only_their_own(alice_api, bob_api, samples, labels):
    claim = create(alice_api, samples["000"], labels["claim"], QUOTE).json()
    assert bob_api.get(f"/api/v1/annotations/{claim['id']}/").status_code == 404
    assert (
        bob_api.patch(
            f"/api/v1/annotations/{claim['id']}/", {"version": 1, "note": "x"}, format="json"
        ).status_code
        == 404
    )
    assert bob_api.delete(f"/api/v1/annotations/{claim['id']}/?version=1").status_code == 404
    assert bob_api.get("/api/v1/annotations/", {"article": samples["000"].pk}).json()["count"] == 0


def test_reviewers_see_and_edit_all_and_it_is_recorded(
    alice_api, rita_api, samples, labels, reviewer
):
    claim = create(alice_api, samples["000"], labels["claim"], QUOTE).json()
    assert (
        rita_api.get("/api/v1/annotations/", {"annotator": claim["annotator"]}).json()["count"] == 1
    )
    rita_api.patch(
        f"/api/v1/annotations/{claim['id']}/", {"version": 1, "note": "ok"}, format="json"
    )
    event = AnnotationEvent.objects.filter(action="update").get()
    assert event.actor == reviewer and event.before["note"] == "" and event.after["note"] == "ok"


def test_outsider_is_refused(outsider, samples):
    from tests.annotations.conftest import api_client

    client = api_client(outsider)
    assert client.get("/api/v1/annotations/").status_code == 403
    assert client.post("/api/v1/annotations/", {}, format="json").status_code == 403


def test_delete_is_reversible_and_undo_works_across_requests(alice_api, samples, labels):
    article = samples["000"]
    claim = create(alice_api, article, labels["claim"], QUOTE).json()
    assert alice_api.delete(f"/api/v1/annotations/{claim['id']}/?version=1").status_code == 204
    assert Annotation.objects.get().deleted_at is not None  # kept, not dropped
    assert alice_api.get("/api/v1/annotations/", {"article": article.pk}).json()["count"] == 0
    undo = alice_api.post("/api/v1/annotations/undo/", {"article": article.pk}, format="json")
    assert undo.json()["undone"] == "delete"
    assert alice_api.get("/api/v1/annotations/", {"article": article.pk}).json()["count"] == 1
    alice_api.patch(
        f"/api/v1/annotations/{claim['id']}/", {"version": 3, "note": "n"}, format="json"
    )
    alice_api.post("/api/v1/annotations/undo/", {"article": article.pk}, format="json")
    assert Annotation.objects.get().note == ""
    alice_api.post(
        "/api/v1/annotations/undo/", {"article": article.pk}, format="json"
    )  # the create
    assert Annotation.objects.get().deleted_at is not None
    nothing = alice_api.post("/api/v1/annotations/undo/", {"article": article.pk}, format="json")
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "nothing_to_undo"
    actions = list(AnnotationEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["create", "delete", "restore", "update", "update", "delete"]


def test_the_body_is_frozen_once_annotated(alice_api, samples, labels):
    from django.db import IntegrityError, transaction

    article = samples["000"]
    create(alice_api, article, labels["claim"], QUOTE)
    article.body = "rewritten"
    with pytest.raises(IntegrityError), transaction.atomic():
        article.save()


def test_mark_done_submits_and_queues_the_article(alice_api, samples, labels):
    article = samples["000"]
    create(alice_api, article, labels["claim"], QUOTE)
    done = alice_api.post("/api/v1/annotations/done/", {"article": article.pk}, format="json")
    assert done.status_code == 200
    article.refresh_from_db()
    assert article.annotation_status == "done"
    assert Annotation.objects.get().status == "submitted"


def test_filters_by_label_and_status(alice_api, samples, labels):
    article = samples["000"]
    create(alice_api, article, labels["claim"], QUOTE)
    create(alice_api, article, labels["speaker"], "佩斯科夫")
    by_label = alice_api.get("/api/v1/annotations/", {"label": labels["speaker"].pk}).json()
    assert [a["text"] for a in by_label["results"]] == ["佩斯科夫"]
    assert alice_api.get("/api/v1/annotations/", {"status": "accepted"}).json()["count"] == 0
    assert alice_api.get("/api/v1/annotations/", {"status": "nope"}).status_code == 400


def test_listing_uses_a_constant_number_of_queries(
    alice_api, samples, labels, django_assert_max_num_queries
):
    article = samples["000"]
    for text in [QUOTE, "普京会听的", "佩斯科夫说", "乌克兰无法实现和平"]:
        create(alice_api, article, labels["claim"], text)
    with django_assert_max_num_queries(12):
        assert alice_api.get("/api/v1/annotations/", {"article": article.pk}).status_code == 200


def test_the_import_stores_suggestions_that_can_be_accepted_or_dismissed(alice_api, samples):
    from annotations.models import Suggestion

    article = samples["000"]
    listed = alice_api.get("/api/v1/annotations/suggestions/", {"article": article.pk}).json()
    claims = [s for s in listed["results"] if s["kind"] == "claim"]
    assert claims, "the import should suggest claims for sample 000"
    quoted = next(s for s in claims if "艰苦的工作仍在继续" in s["text"])
    speaker = Suggestion.objects.get(pk=quoted["speaker"])
    assert speaker.text == "佩斯科夫" and speaker.entity.name == "佩斯科夫"
    accepted = alice_api.post(f"/api/v1/annotations/suggestions/{quoted['id']}/accept/")
    assert accepted.status_code == 201
    claim = Annotation.objects.get(label__kind="claim")
    assert claim.origin == "suggestion" and claim.speaker.text == "佩斯科夫"
    other = next(s for s in claims if s["id"] != quoted["id"])
    assert (
        alice_api.post(f"/api/v1/annotations/suggestions/{other['id']}/dismiss/").status_code == 204
    )
    after = alice_api.get("/api/v1/annotations/suggestions/", {"article": article.pk}).json()
    remaining = {s["id"] for s in after["results"]}
    assert quoted["id"] not in remaining and other["id"] not in remaining


def test_undo_refuses_to_throw_away_someone_elses_later_change(
    alice_api, rita_api, samples, labels
):
    article = samples["000"]
    claim = create(alice_api, article, labels["claim"], QUOTE).json()
    alice_api.patch(
        f"/api/v1/annotations/{claim['id']}/", {"version": 1, "note": "mine"}, format="json"
    )
    rita_api.patch(
        f"/api/v1/annotations/{claim['id']}/", {"version": 2, "note": "reviewer's"}, format="json"
    )
    undo = alice_api.post("/api/v1/annotations/undo/", {"article": article.pk}, format="json")
    assert undo.status_code == 409
    body = undo.json()
    assert body["error"]["code"] == "conflict" and "rita" in body["error"]["message"]
    assert body["current"]["note"] == "reviewer's"
    assert Annotation.objects.get().note == "reviewer's"


def test_a_suggestion_whose_speaker_was_merged_away_is_accepted_with_the_survivor(
    alice_api, samples
):
    from annotations.models import Suggestion
    from articles.models import Entity
    from articles.services import entity_merge

    article = samples["000"]
    quoted = Suggestion.objects.get(
        article=article, kind="claim", text__contains="艰苦的工作仍在继续"
    )
    peskov = quoted.speaker.entity
    survivor = Entity.objects.create(name="德·佩斯科夫", kind="person")
    entity_merge(survivor=survivor, merged=peskov, user=None)
    assert Suggestion.objects.get(pk=quoted.speaker_id).entity == survivor

    accepted = alice_api.post(f"/api/v1/annotations/suggestions/{quoted.pk}/accept/")
    assert accepted.status_code == 201, accepted.json()
    claim = Annotation.objects.get(label__kind="claim")
    assert claim.speaker.entity == survivor and claim.speaker_entity == survivor


def test_after_a_merge_annotations_link_to_the_survivor_and_stay_editable(
    alice_api, samples, labels
):
    from annotations.models import ClaimSource
    from articles.models import Entity
    from articles.services import entity_merge

    article = samples["000"]
    peskov = Alias.objects.get(normalized="佩斯科夫").entity
    tass = Alias.objects.get(normalized="塔斯社").entity
    speaker = create(alice_api, article, labels["speaker"], "佩斯科夫", entity=peskov.pk).json()
    claim = create(alice_api, article, labels["claim"], QUOTE).json()
    linked = alice_api.patch(
        f"/api/v1/annotations/{claim['id']}/",
        {
            "version": 1,
            "speaker": speaker["id"],
            "speaker_entity": peskov.pk,
            "sources": [{"entity": tass.pk}],
        },
        format="json",
    )
    assert linked.status_code == 200, linked.json()
    person = Entity.objects.create(name="德·佩斯科夫", kind="person")
    outlet = Entity.objects.create(name="俄通社—塔斯社", kind="outlet")
    entity_merge(survivor=person, merged=peskov, user=None)
    entity_merge(survivor=outlet, merged=tass, user=None)

    # editing the speaker span was refused: it linked to an entity merged away
    edited = alice_api.patch(
        f"/api/v1/annotations/{speaker['id']}/", {"version": 1, "note": "checked"}, format="json"
    )
    assert edited.status_code == 200, edited.json()
    assert edited.json()["entity"]["name"] == "德·佩斯科夫"
    body = alice_api.get(f"/api/v1/annotations/{claim['id']}/").json()
    assert body["speaker_entity"]["name"] == "德·佩斯科夫"
    assert ClaimSource.objects.get(claim_id=claim["id"]).entity == outlet
