import pytest
from django.contrib.auth.models import Group

from accounts.roles import ROLE_CAPABILITIES, can, role_of


@pytest.mark.django_db
def test_migration_creates_the_three_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"analyst", "reviewer", "admin"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["analyst", "reviewer", "admin"])
def test_each_role_has_exactly_its_capabilities(role, request):
    user = request.getfixturevalue({"admin": "admin_user"}.get(role, role))
    expected = set(ROLE_CAPABILITIES[role])
    for capability in ("browse", "annotate", "review", "export", "import_articles"):
        assert can(user, capability) == (capability in expected), capability
    assert role_of(user) == role


def test_analyst_annotates_but_does_not_review_or_export(analyst):
    assert can(analyst, "annotate")
    assert not can(analyst, "review")
    assert not can(analyst, "export")


def test_reviewer_reviews_and_exports_but_does_not_import(reviewer):
    assert can(reviewer, "review") and can(reviewer, "export")
    assert not can(reviewer, "import_articles")
    assert not reviewer.is_staff


def test_admin_imports_and_manages_users(admin_user):
    assert can(admin_user, "import_articles") and can(admin_user, "manage_users")
    assert admin_user.is_staff
    assert admin_user.has_perm("auth.change_user")


def test_outsider_has_no_role_and_no_capability(outsider):
    assert role_of(outsider) is None
    assert not can(outsider, "browse")


def test_outsider_gets_403_on_the_article_list(outsider_client):
    assert outsider_client.get("/").status_code == 403


def test_analyst_sees_the_article_list(analyst_client):
    response = analyst_client.get("/")
    assert response.status_code == 200
    assert b"analyst" in response.content  # the role shown next to the user name


def test_admin_link_is_shown_to_staff_only(analyst_client, admin_client_):
    assert b"/admin/" not in analyst_client.get("/").content
    assert b"/admin/" in admin_client_.get("/").content
