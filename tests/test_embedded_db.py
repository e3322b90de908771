"""The embedded PostgreSQL survives a client killed while pgserver rewrote its state."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from config.embedded_db import _repair_handle_list, embedded_database, stop_embedded_server


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


def test_stop_db_stops_the_server_even_after_a_killed_client(tmp_path):
    """`make stop-db`: pgserver itself would wait for a client that was killed."""
    psycopg = pytest.importorskip("psycopg")
    params = embedded_database(tmp_path)  # a server of its own, in a scratch var folder
    handles = tmp_path / "postgres" / ".handle_pids.json"
    handles.write_text("[999999999]")  # a client killed without letting go
    with psycopg.connect(host=params["HOST"], port=params["PORT"], user="postgres") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    result = subprocess.run(
        ["make", "--no-print-directory", "stop-db"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TANPAN_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert f"stopped {tmp_path / 'postgres'}" in result.stdout
    assert not (tmp_path / "postgres" / "postmaster.pid").exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=params["HOST"], port=params["PORT"], user="postgres")
    assert handles.read_text() == "[]"
    assert not stop_embedded_server(tmp_path)  # already stopped: nothing to do
