"""The API's public contract: the OpenAPI schema, its docs page, one error shape, throttling."""

import io
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.urlwalk import iter_urls


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def schema(analyst) -> dict:
    response = token_client(analyst).get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return json.loads(response.content)


def test_the_schema_generates_without_warnings_and_validates(db, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3")


def test_every_api_endpoint_is_in_the_schema(schema):
    documented = {re.sub(r"\{\w+\}", "1", path) for path in schema["paths"]}
    served = {
        path
        for path, _ in iter_urls()
        if path.startswith("/api/v1/") and path not in ("/api/v1/schema/", "/api/v1/docs/")
    }
    assert served == documented


def test_every_operation_documents_its_errors_in_the_one_shape(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "403", "429"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith(("/ErrorResponse", "/ConflictResponse")), (path, status)
            assert operation.get("summary") or operation.get("description"), (method, path)


def test_the_article_filters_are_documented_with_their_choices(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/articles/"]["get"]["parameters"]}
    assert {"q", "outlet", "entity", "status", "sort", "page", "page_size"} <= set(parameters)
    assert "relevance" in parameters["sort"]["schema"]["enum"]
    assert parameters["entity"]["schema"]["type"] == "array"


def test_the_schema_is_yaml_on_request(analyst):
    response = token_client(analyst).get("/api/v1/schema/?format=yaml")
    assert response.content.startswith(b"openapi: 3")


def test_the_schema_needs_credentials(client, db):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_docs_page_serves_swagger_ui_from_this_origin(analyst_client):
    page = analyst_client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html and "<script>" not in html  # nothing inline: CSP
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        if source.startswith("/static/"):  # served by WhiteNoise, shipped by the sidecar
            assert finders.find(source.removeprefix("/static/")), source
        else:
            assert analyst_client.get(source).status_code == 200, source
    assert "unsafe-inline" not in page["Content-Security-Policy"]


def test_the_docs_start_up_script_points_at_the_schema(analyst_client):
    script = analyst_client.get("/api/v1/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/api/v1/schema/" in script.content


def test_anonymous_visitors_of_the_docs_go_to_the_login_page(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# ---- one error shape ----------------------------------------------------------------------


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_errors_share_one_shape(analyst, outsider, client):
    alice = token_client(analyst)
    assert_error(client.get("/api/v1/articles/"), 401, "not_authenticated")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token nope")
    assert_error(bad.get("/api/v1/articles/"), 401, "authentication_failed")
    assert_error(token_client(outsider).get("/api/v1/articles/"), 403, "permission_denied")
    assert_error(alice.get("/api/v1/articles/999999/"), 404, "not_found")
    assert_error(alice.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(alice.delete("/api/v1/articles/"), 405, "method_not_allowed")
    fields = assert_error(alice.get("/api/v1/articles/?sort=nonsense"), 400, "invalid")["fields"]
    assert "sort" in fields
    assert_error(alice.post("/api/v1/annotations/", {}, format="json"), 400, "invalid")
    response = alice.post("/api/v1/annotations/", "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")
    response = alice.post("/api/v1/annotations/", "x", content_type="text/csv")
    assert_error(response, 415, "unsupported_media_type")


def test_an_unexpected_failure_is_a_json_500(analyst, monkeypatch):
    from articles.api import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.ArticleList, "get_queryset", explode)
    client = token_client(analyst)
    client.raise_request_exception = False
    error = assert_error(client.get("/api/v1/articles/"), 500, "server_error")
    assert "boom" not in error["message"]  # no internals leak


# ---- throttling ---------------------------------------------------------------------------


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "5/minute"}
    )


def test_signed_in_clients_are_throttled_per_user(analyst, other_analyst, low_rates):
    alice = token_client(analyst)
    for _ in range(5):
        assert alice.get("/api/v1/entities/").status_code == 200
    response = alice.get("/api/v1/entities/")
    error = assert_error(response, 429, "throttled")
    assert "seconds" in error["message"]
    assert int(response["Retry-After"]) > 0
    assert token_client(other_analyst).get("/api/v1/entities/").status_code == 200


def test_anonymous_clients_are_throttled_per_address(client, db, low_rates):
    for _ in range(3):
        assert client.get("/api/v1/articles/").status_code == 401
    assert_error(client.get("/api/v1/articles/"), 429, "throttled")
    other = APIClient(REMOTE_ADDR="10.0.0.2")
    assert other.get("/api/v1/articles/").status_code == 401


def test_forwarded_for_headers_do_not_reset_the_anonymous_count(client, db, low_rates):
    for n in range(3):
        client.get("/api/v1/articles/", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    response = client.get("/api/v1/articles/", HTTP_X_FORWARDED_FOR="10.9.9.200")
    assert response.status_code == 429


# ---- tokens from the profile page ---------------------------------------------------------


def test_an_analyst_creates_a_token_on_the_profile_page_and_scripts_use_it(analyst_client):
    page = analyst_client.get("/accounts/profile/")
    assert b"Create token" in page.content
    response = analyst_client.post("/accounts/profile/token/")
    assert response.status_code == 200
    key = re.search(rb'id="token-key">([0-9a-f]{40})<', response.content).group(1).decode()
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert script.get("/api/v1/articles/").status_code == 200
    again = analyst_client.get("/accounts/profile/")
    assert key.encode() not in again.content  # shown once only
    assert b"Revoke token" in again.content


def test_replacing_a_token_revokes_the_old_one(analyst_client, analyst):
    analyst_client.post("/accounts/profile/token/")
    old = Token.objects.get(user=analyst).key
    analyst_client.post("/accounts/profile/token/")
    new = Token.objects.get(user=analyst).key
    assert old != new
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert script.get("/api/v1/articles/").status_code == 401


def test_revoking_the_token_locks_scripts_out(analyst_client, analyst):
    analyst_client.post("/accounts/profile/token/")
    key = Token.objects.get(user=analyst).key
    response = analyst_client.post("/accounts/profile/token/revoke/", follow=True)
    assert b"API token revoked." in response.content
    assert not Token.objects.filter(user=analyst).exists()
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert_error(script.get("/api/v1/articles/"), 401, "authentication_failed")


def test_token_pages_take_only_post(analyst_client):
    assert analyst_client.get("/accounts/profile/token/").status_code == 405
    assert analyst_client.get("/accounts/profile/token/revoke/").status_code == 405


def test_token_creation_needs_the_csrf_token(analyst):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert client.post("/accounts/profile/token/").status_code == 403
    assert not Token.objects.filter(user=analyst).exists()


def test_the_schema_command_prints_to_stdout(db):
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    assert json.loads(out.getvalue())["info"]["title"] == "Tanpan API"
