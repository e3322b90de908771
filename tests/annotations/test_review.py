"""The review queue: accept, reject with a comment, accept all; statuses and history."""

import pytest

from annotations.models import Annotation, AnnotationEvent
from annotations.services import article_mark_done
from tests.annotations.conftest import QUOTE, add


@pytest.fixture
def done_article(samples, labels, analyst):
    article = samples["000"]
    add(analyst, article, labels["claim"], QUOTE)
    add(analyst, article, labels["speaker"], "佩斯科夫")
    article_mark_done(user=analyst, article=article)
    article.refresh_from_db()
    return article


def test_done_articles_are_queued_with_pending_counts(reviewer_client, done_article):
    page = reviewer_client.get("/review/")
    [row] = page.context["page"].object_list
    assert row.pk == done_article.pk and row.pending == 2 and row.analysts == 1


def test_accept_and_reject_with_a_comment(reviewer_client, done_article, reviewer):
    claim, speaker = (
        Annotation.objects.order_by("start")[1],
        Annotation.objects.order_by("start")[0],
    )
    reviewer_client.post(
        f"/review/{done_article.pk}/", {"action": "accept", "annotation": claim.pk}
    )
    claim.refresh_from_db()
    assert (claim.status, claim.reviewed_by) == ("accepted", reviewer) and claim.reviewed_at
    page = reviewer_client.post(
        f"/review/{done_article.pk}/", {"action": "reject", "annotation": speaker.pk}, follow=True
    )
    assert "say why when rejecting" in page.content.decode()
    reviewer_client.post(
        f"/review/{done_article.pk}/",
        {"action": "reject", "annotation": speaker.pk, "comment": "不是说话人"},
    )
    speaker.refresh_from_db()
    assert speaker.status == "rejected" and speaker.review_comment == "不是说话人"
    actions = list(
        AnnotationEvent.objects.filter(action__in=["accept", "reject"])
        .values_list("action", flat=True)
        .order_by("id")
    )
    assert actions == ["accept", "reject"]
    done_article.refresh_from_db()
    assert done_article.annotation_status == "reviewed"


def test_accept_all_of_one_analyst(reviewer_client, done_article, analyst):
    reviewer_client.post(
        f"/review/{done_article.pk}/", {"action": "accept_all", "annotator": analyst.pk}
    )
    assert set(Annotation.objects.values_list("status", flat=True)) == {"accepted"}


def test_the_rejection_comment_reaches_the_analyst(alice_api, done_article, reviewer):
    from annotations.services import annotation_review

    claim = Annotation.objects.get(label__name="Claim")
    annotation_review(user=reviewer, annotation=claim, accept=False, comment="引文不完整")
    body = alice_api.get("/api/v1/annotations/", {"article": done_article.pk}).json()
    rejected = next(a for a in body["results"] if a["id"] == claim.pk)
    assert rejected["status"] == "rejected" and rejected["review_comment"] == "引文不完整"


@pytest.mark.parametrize("url", ["/review/", "/review/1/", "/export/"])
def test_analysts_cannot_review_or_export(analyst_client, db, url):
    assert analyst_client.get(url).status_code == 403


def test_review_page_uses_a_constant_number_of_queries(
    reviewer_client, done_article, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        assert reviewer_client.get(f"/review/{done_article.pk}/").status_code == 200


@pytest.fixture
def two_analysts(samples, labels, analyst, other_analyst):
    article = samples["000"]
    add(analyst, article, labels["claim"], QUOTE)
    add(analyst, article, labels["speaker"], "佩斯科夫")
    add(other_analyst, article, labels["claim"], QUOTE)
    add(other_analyst, article, labels["claim"], "普京会听的")
    return article


def test_agreement_page_per_pair_and_label(reviewer_client, two_analysts):
    page = reviewer_client.get("/review/agreement/")
    summary = {row["label"]: row for row in page.context["summary"]}
    claim = summary["Claim"]
    assert (claim["a"], claim["b"], claim["articles"]) == ("alice", "bob", 1)
    assert claim["exact_f1"] == pytest.approx(2 / 3)  # 1 shared of 1 and 2 spans
    assert summary["Speaker"]["exact_f1"] == 0.0


def test_side_by_side_and_adopting_a_version(reviewer_client, two_analysts, other_analyst):
    page = reviewer_client.get(f"/review/agreement/{two_analysts.pk}/")
    who = {row["text"]: row["who"] for row in page.context["diff"]}
    assert who == {QUOTE: "both", "佩斯科夫": "a", "普京会听的": "b"}
    reviewer_client.post(f"/review/agreement/{two_analysts.pk}/", {"annotator": other_analyst.pk})
    statuses = {(a.annotator.username, a.text): a.status for a in Annotation.objects.all()}
    assert statuses[("bob", "普京会听的")] == "accepted"
    assert statuses[("alice", "佩斯科夫")] == "rejected"
    rejected = Annotation.objects.get(annotator__username="alice", text="佩斯科夫")
    assert "bob's version" in rejected.review_comment
