"""The read API under /api/v1/: session and token auth, filters, one error shape."""

import io

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Alias


@pytest.fixture
def token_client(analyst) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=analyst).key}")
    return client


def test_drf_create_token_command_works(analyst):
    out = io.StringIO()
    call_command("drf_create_token", "alice", stdout=out)
    assert Token.objects.get(user=analyst).key in out.getvalue()


def test_article_list_with_search_and_pagination(token_client, samples):
    body = token_client.get("/api/v1/articles/", {"q": "拉夫罗夫", "page_size": 10}).json()
    assert body["count"] == 1 and body["results"][0]["id"] == samples["002"].pk
    assert set(body["results"][0]) >= {"id", "title", "outlet", "published", "annotation_status"}


def test_article_detail_has_mentions_with_offsets(token_client, samples):
    article = samples["000"]
    body = token_client.get(f"/api/v1/articles/{article.pk}/").json()
    assert body["body"] == article.body
    mention = body["mentions"][0]
    assert set(mention) == {"entity", "kind", "start", "end", "method"}
    assert 0 <= mention["start"] < mention["end"] <= len(article.body)


def test_entities_filter_by_kind_and_name(token_client, samples):
    body = token_client.get("/api/v1/entities/", {"q": "Zelensky", "kind": "person"}).json()
    assert [e["name"] for e in body["results"]] == ["泽连斯基"]
    zelensky = body["results"][0]["id"]
    detail = token_client.get(f"/api/v1/entities/{zelensky}/").json()
    assert "泽伦斯基" in {a["name"] for a in detail["aliases"]}


def test_session_auth_works_for_the_pages_scripts(analyst_client, samples):
    assert analyst_client.get("/api/v1/articles/").status_code == 200


@pytest.mark.parametrize(
    ("url", "params", "status", "code"),
    [
        ("/api/v1/articles/", {"entity": "abc"}, 400, "invalid"),
        ("/api/v1/articles/", {"q": "x" * 1000}, 400, "invalid"),
        ("/api/v1/articles/", {"page": "999"}, 404, "not_found"),
        ("/api/v1/articles/999999/", {}, 404, "not_found"),
        ("/api/v1/entities/", {"kind": "planet"}, 400, "invalid"),
    ],
)
def test_errors_have_one_shape(token_client, samples, url, params, status, code):
    response = token_client.get(url, params)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"]


def test_outsider_and_bad_token_are_refused(outsider, db):
    client = APIClient()
    client.force_authenticate(outsider)
    assert client.get("/api/v1/articles/").status_code == 403
    anonymous = APIClient()
    anonymous.credentials(HTTP_AUTHORIZATION="Token nope")
    response = anonymous.get("/api/v1/articles/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_api_is_read_only_here(token_client, samples):
    assert token_client.post("/api/v1/articles/", {}).status_code == 405
    entity = Alias.objects.get(normalized="普京").entity_id
    assert token_client.delete(f"/api/v1/entities/{entity}/").status_code == 405
