"""Requests no form sends: NUL characters, over-long login names. A 4xx or a form
error, never a 500 (PostgreSQL stores no NUL, and django-axes records failed logins)."""

import pytest
from axes.models import AccessAttempt


@pytest.mark.parametrize(
    "url",
    ["/entities/?q=%00", "/entities/autocomplete/?q=a%00b", "/articles/?q=%00", "/?page=%00"],
)
def test_a_nul_in_a_page_parameter_is_a_bad_request(analyst_client, db, url):
    response = analyst_client.get(url)
    assert response.status_code == 400
    assert "<title>Bad request · Tanpan</title>" in response.content.decode()


def test_a_nul_in_an_api_parameter_is_a_bad_request_in_the_api_shape(analyst_client, db):
    response = analyst_client.get("/api/v1/entities/?q=%00")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_nul_in_a_form_field_or_a_header_is_a_bad_request(client, db):
    response = client.post("/accounts/login/", {"username": "a\x00", "password": "x"})
    assert response.status_code == 400
    response = client.post(
        "/accounts/login/", {"username": "nobody", "password": "x"}, HTTP_USER_AGENT="bot\x00"
    )
    assert response.status_code == 400
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_a_username_longer_than_any_is_a_form_error(client, db, path):
    response = client.post(path, {"username": "a" * 256, "password": "x"})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_a_json_body_over_the_limit_is_refused_unread(analyst_client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = analyst_client.post(
        "/api/v1/annotations/", "[" + "1," * 100 + "1]", content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_page_titles_name_the_page_then_tanpan(analyst_client, samples):
    assert "<title>Articles · Tanpan</title>" in analyst_client.get("/").content.decode()
    article = samples["000"]
    page = analyst_client.get(f"/articles/{article.pk}/").content.decode()
    assert f"<title>{article.title} · Tanpan</title>" in page


def test_the_assign_form_sends_no_query_where_there_is_no_list(reviewer_client, samples, analyst):
    page = reviewer_client.get(f"/articles/{samples['000'].pk}/").content.decode()
    assert 'name="article"' in page
    assert 'name="query"' not in page


def test_a_nul_is_answered_without_the_debug_page_or_a_traceback(analyst_client, db, settings):
    settings.DEBUG = True
    response = analyst_client.get("/api/v1/entities/?q=%00")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_host_not_allowed_gets_the_400_page(client, db):
    """Refused before the authentication middleware: the page is made without a user."""
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "<title>Bad request · Tanpan</title>" in response.content.decode()
