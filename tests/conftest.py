"""Personas used across the suite, after healthchecks' alice/bob/charlie."""

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

PASSWORD = "correct horse battery staple"


def pytest_configure(config) -> None:
    # Tests log in many times; the production hasher costs ~0.3 s per login by design.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _persona(username: str, role: str | None) -> "User":
    # Imported here so that pure pipeline tests can run without Django set up.
    from django.contrib.auth.models import User

    from accounts.services import user_create

    if role is None:
        return User.objects.create_user(username=username, password=PASSWORD)
    return user_create(username=username, password=PASSWORD, role=role)


@pytest.fixture
def reseeded_db(transactional_db) -> None:
    """A transactional database with its roles and labels, which the last flush removed."""
    from tests.seed import ensure_seed_data

    ensure_seed_data()


@pytest.fixture
def analyst(db) -> "User":
    return _persona("alice", "analyst")


@pytest.fixture
def other_analyst(db) -> "User":
    return _persona("bob", "analyst")


@pytest.fixture
def reviewer(db) -> "User":
    return _persona("rita", "reviewer")


@pytest.fixture
def admin_user(db) -> "User":
    return _persona("ada", "admin")


@pytest.fixture
def outsider(db) -> "User":
    """A user with an account but no role."""
    return _persona("charlie", None)


def _client_for(user: "User") -> "Client":
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def analyst_client(analyst) -> "Client":
    return _client_for(analyst)


@pytest.fixture
def reviewer_client(reviewer) -> "Client":
    return _client_for(reviewer)


@pytest.fixture
def admin_client_(admin_user) -> "Client":
    return _client_for(admin_user)


@pytest.fixture
def outsider_client(outsider) -> "Client":
    return _client_for(outsider)


SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def import_paths(*paths: Path | str, **options: str) -> None:
    """Run import_articles in-process with one worker (fast for a handful of files)."""
    from django.core.management import call_command

    args = [str(p) for p in paths]
    for name, value in options.items():
        args += [f"--{name}", value]
    call_command(
        "import_articles",
        *args,
        "--quiet",
        "--workers",
        "1",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


@pytest.fixture
def samples(db) -> dict:
    """The four sample articles, imported; keyed by their number: '000' … '003'."""
    from articles.models import Article

    import_paths(SAMPLES, outlet="样本报")
    return {Path(a.source_name).name[:3]: a for a in Article.objects.all()}


@pytest.fixture
def write_article(db, tmp_path):
    """Import one article from text; return it."""
    from articles.models import Article

    def write(text: str, name: str = "article.txt", **options: str) -> Article:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        import_paths(path, **options)
        return Article.objects.get(source_name=str(path))

    return write


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """Start each test with empty API throttle counters (they live in the process's cache)."""
    yield
    try:
        from django.core.cache import cache
    except Exception:  # Django not set up: a pure pipeline test
        return
    cache.clear()
