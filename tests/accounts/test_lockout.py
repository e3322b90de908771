"""Login throttling: repeated failures lock a username on one address, and are logged."""

import logging

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.conftest import PASSWORD

LIMIT = 5


def attempt(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.fixture
def alice(analyst):
    return analyst


def test_a_wrong_password_shows_the_form_again(client, alice):
    response = attempt(client, "alice", "wrong")
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, alice, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        for _ in range(LIMIT):
            attempt(client, "alice", "wrong")
        response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert b"/static/css/base.css" in response.content  # the styled page, not a bare text
    assert client.get("/").status_code == 302  # not signed in
    # logged (names and addresses masked in the log; the admin lists them in Access attempts)
    assert any("Locking out" in record.getMessage() for record in caplog.records)
    assert AccessAttempt.objects.get(username="alice").failures_since_start >= LIMIT


def test_the_lockout_is_per_address(client, alice):
    for _ in range(LIMIT):
        attempt(client, "alice", "wrong")
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    assert attempt(elsewhere, "alice", PASSWORD).status_code == 302


def test_a_forwarded_for_header_does_not_dodge_the_lockout(client, alice):
    for n in range(LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "alice", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="10.0.0.99",
    )
    assert response.status_code == 429


def test_other_users_on_the_same_address_can_still_log_in(client, alice, other_analyst):
    for _ in range(LIMIT):
        attempt(client, "alice", "wrong")
    assert attempt(client, "bob", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(client, alice):
    for _ in range(LIMIT - 1):
        attempt(client, "alice", "wrong")
    assert attempt(client, "alice", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(LIMIT - 1):
        attempt(client, "alice", "wrong")
    assert attempt(client, "alice", PASSWORD).status_code == 302


def test_the_password_is_not_stored_with_the_attempt(client, alice):
    attempt(client, "alice", "hunter2-secret")
    assert "hunter2-secret" not in AccessAttempt.objects.get(username="alice").post_data


def test_an_admin_can_unlock_by_resetting_attempts(client, alice):
    from axes.utils import reset

    for _ in range(LIMIT):
        attempt(client, "alice", "wrong")
    reset(username="alice")
    assert attempt(client, "alice", PASSWORD).status_code == 302


def test_the_admin_login_is_protected_too(client, admin_user):
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "ada", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 429


def test_password_validators_refuse_weak_passwords(analyst_client):
    response = analyst_client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert b"too common" in response.content or b"entirely numeric" in response.content
