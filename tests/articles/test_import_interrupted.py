"""An import killed with SIGKILL mid-run leaves whole articles, no workers; a rerun completes it."""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import psutil
import pytest
from django.conf import settings
from django.db import connection

from articles.models import Article, Mention
from articles.pipeline.worker import PARENT_CHECK_SECONDS
from benchmarks.dumpgen import write_dump
from tests.seed import ensure_seed_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
COUNT = 400


def database_url() -> str:
    """Return a URL for the test database, for commands run in a subprocess."""
    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def import_command(dump, workers: int) -> list[str]:
    return [
        sys.executable,
        "manage.py",
        "import_articles",
        str(dump),
        "--quiet",
        "--workers",
        str(workers),
    ]


def env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1"}


def test_sigkill_mid_import_then_rerun_completes_without_duplicates(tmp_path):
    ensure_seed_data()
    dump = write_dump(tmp_path / "dump", COUNT)
    process = subprocess.Popen(
        import_command(dump, workers=2),
        cwd=settings.BASE_DIR,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while Article.objects.count() < 60:
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "import made no progress"
        time.sleep(0.05)
    children = psutil.Process(process.pid).children()  # two workers, multiprocessing's tracker
    assert len(children) >= 2
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    stored = Article.objects.count()
    assert 0 < stored < COUNT
    # its workers notice and go (they used to stay, stuck, ~130 MB each)
    _, alive = psutil.wait_procs(children, timeout=10 * PARENT_CHECK_SECONDS)
    assert not alive, alive
    # every stored article is whole: chunks commit with their mentions
    assert Article.objects.filter(mentions__isnull=True).count() == 0

    rerun = subprocess.run(
        import_command(dump, workers=2),
        cwd=settings.BASE_DIR,
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert Article.objects.count() == COUNT
    assert Article.objects.values("content_hash").distinct().count() == COUNT
    assert f"duplicates      {stored:>8}" in rerun.stdout
    assert Mention.objects.values("article").distinct().count() == COUNT
