"""Personas used across the suite, after healthchecks' alice/bob/charlie."""

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

PASSWORD = "correct horse battery staple"


def _persona(username: str, role: str | None) -> "User":
    # Imported here so that pure pipeline tests can run without Django set up.
    from django.contrib.auth.models import User

    from accounts.services import user_create

    if role is None:
        return User.objects.create_user(username=username, password=PASSWORD)
    return user_create(username=username, password=PASSWORD, role=role)


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
