import pytest

from tests.urlwalk import iter_urls

PUBLIC = {"/accounts/login/", "/admin/login/"}
API_PAGES = {"/api/v1/docs/"}  # HTML for people: they go to the login page


def project_urls() -> list[str]:
    return sorted({path for path, _ in iter_urls() if not path.startswith("/static/")})


def test_the_url_walk_finds_the_project_pages():
    urls = project_urls()
    assert "/" in urls and "/accounts/profile/" in urls and "/api/v1/articles/" in urls


@pytest.mark.django_db
@pytest.mark.parametrize("path", project_urls())
def test_every_url_needs_login(client, path):
    if path in PUBLIC:
        assert client.get(path).status_code == 200
        return
    response = client.get(path)
    if path.startswith("/api/") and path not in API_PAGES:
        assert response.status_code in (401, 403), path
        assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed")
    elif path.startswith("/admin/"):
        assert response.status_code in (302, 404), path  # admin redirects to its own login
    else:
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), path


@pytest.mark.django_db
def test_login_page_is_styled_and_logs_in(client, analyst):
    page = client.get("/accounts/login/")
    assert b"/static/css/base.css" in page.content
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_logout_needs_post_and_ends_the_session(analyst_client):
    response = analyst_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert analyst_client.get("/").status_code == 302


def test_pages_carry_a_content_security_policy(analyst_client):
    response = analyst_client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_password_change_page_is_styled(analyst_client):
    page = analyst_client.get("/accounts/password/")
    assert page.status_code == 200 and b"base.css" in page.content


def test_api_errors_use_one_shape(client, db):
    body = client.get("/api/v1/articles/").json()
    assert set(body["error"]) == {"code", "message", "fields"}


def test_unknown_api_path_is_a_json_404(analyst_client):
    response = analyst_client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
