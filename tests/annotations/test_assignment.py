"""Assigning articles to analysts, and the analyst's queue."""

import pytest

from annotations.models import Assignment
from annotations.services import article_mark_done


def test_assign_one_article_to_two_analysts(reviewer_client, samples, analyst, other_analyst):
    article = samples["001"]
    response = reviewer_client.post(
        "/assign/",
        {
            "mode": "article",
            "article": article.pk,
            "analysts": [analyst.pk, other_analyst.pk],
            "next": f"/articles/{article.pk}/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/articles/{article.pk}/"
    assert set(Assignment.objects.values_list("analyst__username", flat=True)) == {"alice", "bob"}


def test_assign_the_filtered_list(reviewer_client, samples, analyst):
    reviewer_client.post(
        "/assign/", {"mode": "list", "query": "q=拉夫罗夫", "analysts": [analyst.pk]}
    )
    assert list(Assignment.objects.values_list("article_id", flat=True)) == [samples["002"].pk]


def test_assign_the_next_unassigned(reviewer_client, samples, analyst, other_analyst):
    Assignment.objects.create(article=samples["000"], analyst=other_analyst)
    reviewer_client.post("/assign/", {"mode": "next", "count": 2, "analysts": [analyst.pk]})
    mine = set(Assignment.objects.filter(analyst=analyst).values_list("article_id", flat=True))
    assert len(mine) == 2 and samples["000"].pk not in mine


def test_assigning_twice_adds_nothing(reviewer_client, samples, analyst):
    data = {"mode": "article", "article": samples["000"].pk, "analysts": [analyst.pk]}
    reviewer_client.post("/assign/", data)
    reviewer_client.post("/assign/", data)
    assert Assignment.objects.count() == 1


def test_my_queue_shows_progress(analyst_client, samples, analyst):
    for prefix in ("000", "001"):
        Assignment.objects.create(article=samples[prefix], analyst=analyst)
    article_mark_done(user=analyst, article=samples["000"])
    page = analyst_client.get("/queue/")
    assert (page.context["done"], page.context["total"], page.context["percent"]) == (1, 2, 50)


def test_list_filters_by_assignee(reviewer_client, analyst_client, samples, analyst):
    Assignment.objects.create(article=samples["003"], analyst=analyst)
    page = reviewer_client.get("/", {"assignee": analyst.pk})
    assert [a.pk for a in page.context["rows"]] == [samples["003"].pk]
    mine = analyst_client.get("/", {"assigned": "me"})
    assert [a.pk for a in mine.context["rows"]] == [samples["003"].pk]


def test_analysts_cannot_assign(analyst_client, samples, analyst):
    response = analyst_client.post(
        "/assign/", {"mode": "article", "article": samples["000"].pk, "analysts": [analyst.pk]}
    )
    assert response.status_code == 403 and not Assignment.objects.exists()


@pytest.mark.parametrize("data", [{"mode": "article"}, {"mode": "nope", "analysts": ["1"]}])
def test_bad_assign_requests_say_why(reviewer_client, samples, data):
    page = reviewer_client.post("/assign/", data, follow=True)
    assert "Assign:" in page.content.decode() or "choose at least one" in page.content.decode()
    assert not Assignment.objects.exists()
