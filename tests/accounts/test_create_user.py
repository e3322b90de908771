import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command


@pytest.fixture
def password_env(monkeypatch):
    monkeypatch.setenv("TANPAN_PASSWORD", "a sturdy passphrase 42")


@pytest.mark.django_db
def test_create_user_takes_the_password_from_the_environment(password_env):
    out = io.StringIO()
    call_command("create_user", "mei", "--role", "reviewer", stdout=out)
    user = User.objects.get(username="mei")
    assert user.check_password("a sturdy passphrase 42")
    assert list(user.groups.values_list("name", flat=True)) == ["reviewer"]
    assert "Created mei (reviewer)" in out.getvalue()


@pytest.mark.django_db
def test_create_user_rejects_an_unknown_role(password_env):
    with pytest.raises(
        CommandError, match=r"--role: unknown role 'editor'.*analyst, reviewer, admin"
    ):
        call_command("create_user", "mei", "--role", "editor")
    assert not User.objects.filter(username="mei").exists()


@pytest.mark.django_db
def test_create_user_rejects_an_existing_name(password_env, analyst):
    with pytest.raises(CommandError, match="a user named 'Alice' already exists"):
        call_command("create_user", "Alice", "--role", "analyst")


@pytest.mark.django_db
def test_create_user_rejects_a_weak_password(monkeypatch):
    monkeypatch.setenv("TANPAN_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="too common"):
        call_command("create_user", "mei", "--role", "analyst")


@pytest.mark.django_db
def test_create_user_without_password_or_terminal_says_how(monkeypatch):
    monkeypatch.delenv("TANPAN_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: False)
    with pytest.raises(CommandError, match="set TANPAN_PASSWORD"):
        call_command("create_user", "mei", "--role", "analyst")


@pytest.mark.django_db
def test_create_user_admin_can_use_the_django_admin(password_env):
    call_command("create_user", "boss", "--role", "admin", stdout=io.StringIO())
    assert User.objects.get(username="boss").is_staff
