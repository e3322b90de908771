"""An article's review status follows its annotations when analysts mark it done again."""

from annotations.models import Annotation
from annotations.services import annotations_accept_all, article_mark_done
from tests.annotations.conftest import QUOTE, add


def reviewed_article(samples, labels, analyst, reviewer):
    article = samples["000"]
    add(analyst, article, labels["claim"], QUOTE)
    article_mark_done(user=analyst, article=article)
    annotations_accept_all(user=reviewer, article=article, annotator=analyst)
    article.refresh_from_db()
    assert article.annotation_status == "reviewed"
    return article


def test_new_work_marked_done_sends_a_reviewed_article_back_to_review(
    samples, labels, analyst, reviewer
):
    article = reviewed_article(samples, labels, analyst, reviewer)
    add(analyst, article, labels["speaker"], "佩斯科夫")
    article_mark_done(user=analyst, article=article)
    article.refresh_from_db()
    assert article.annotation_status == "done"
    assert Annotation.objects.filter(status="submitted").count() == 1


def test_marking_done_with_nothing_new_keeps_an_article_reviewed(
    samples, labels, analyst, reviewer
):
    article = reviewed_article(samples, labels, analyst, reviewer)
    article_mark_done(user=analyst, article=article)
    article.refresh_from_db()
    assert article.annotation_status == "reviewed"
