"""The embedded PostgreSQL survives a client killed while pgserver rewrote its state."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from config.embedded_db import _repair_handle_list


def test_an_emptied_handle_list_is_reset(tmp_path):
    path = tmp_path / ".handle_pids.json"
    path.write_text("")
    _repair_handle_list(path)
    assert path.read_text() == "[]"
    path.write_text("[12, 34]")
    _repair_handle_list(path)
    assert path.read_text() == "[12, 34]"  # a valid list is left alone
    _repair_handle_list(tmp_path / "missing.json")  # no file: nothing to do


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="uses the embedded server")
def test_the_app_starts_after_the_handle_list_was_truncated():
    path = settings.VAR_DIR / "postgres" / ".handle_pids.json"
    path.write_text("")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DEBUG": "1"},
    )
    assert result.returncode == 0, result.stderr
