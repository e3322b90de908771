"""Settings read from the environment; production values must pass check --deploy."""

import os
import subprocess
import sys
from urllib.parse import quote

from django.conf import settings


def current_database_url() -> str:
    """Return a DATABASE_URL for the database the tests use (system checks query it)."""
    from django.db import connection

    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-a-long-random-production-key-with-entropy-1234567890",
    "ALLOWED_HOSTS": "tanpan.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://tanpan.example.org",
}


# Variables of the test run that a production process would not have.
NOT_PASSED = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in NOT_PASSED}
    env = {"DATABASE_URL": current_database_url(), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_fail_loudly_without_secret_key_when_debug_is_off(db):
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_check_deploy_is_clean_with_production_settings(db):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_non_postgres_database_url_is_refused(db):
    result = run_manage("check", env={**PRODUCTION, "DATABASE_URL": "sqlite:///x.db"})
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_debug_must_be_a_boolean(db):
    result = run_manage("check", env={**PRODUCTION, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_tests_run_on_postgresql():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_production_settings_turn_on_https_protections(db):
    printed = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.X_FRAME_OPTIONS, s.SECURE_CONTENT_TYPE_NOSNIFF, 'unsafe-inline' in str(s.SECURE_CSP))"
    )
    result = run_manage("shell", "-c", printed, env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "True",
        "31536000",
        "True",
        "True",
        "DENY",
        "True",
        "False",
    ]


def test_secure_cookies_can_be_turned_off_only_explicitly_and_check_deploy_says_so(db):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "SECURE_COOKIES": "0"}
    )
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stderr + result.stdout
