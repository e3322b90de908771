"""Helpers shared by the benchmark scripts: a scratch database and RSS sampling."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def server_url(database: str) -> str:
    """Return a DATABASE_URL for database on the server the app uses (embedded or not)."""
    if os.environ.get("DATABASE_URL"):
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        return f"{base}/{database}"
    from config.embedded_db import embedded_database

    params = embedded_database(ROOT / "var")
    return (
        f"postgres://{params['USER']}@{quote(params['HOST'], safe='')}:{params['PORT']}/{database}"
    )


def fresh_database(database: str) -> str:
    """Drop and create database, migrate it, and return its DATABASE_URL."""
    import psycopg

    url = server_url(database)
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    manage("migrate", "--no-input", "-v0", url=url)
    return url


def _libpq(url: str) -> str:
    """Return a libpq connection string for a postgres:// URL with a percent-encoded host."""
    import dj_database_url

    db = dj_database_url.parse(url)
    parts = [f"dbname={db['NAME']}", f"user={db['USER']}", f"host={db['HOST']}"]
    if db.get("PORT"):
        parts.append(f"port={db['PORT']}")
    if db.get("PASSWORD"):
        parts.append(f"password={db['PASSWORD']}")
    return " ".join(parts)


def env_for(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "DEBUG": "1"}


def manage(*args: str, url: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env_for(url), check=True, **kwargs
    )


class PeakRSS:
    """Samples the RSS of a process and its children until stopped; keeps the peaks."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak_total = 0
        self.peak_main = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                main = self.process.memory_info().rss
                children = sum(
                    child.memory_info().rss for child in self.process.children(recursive=True)
                )
            except psutil.Error:
                return
            self.peak_main = max(self.peak_main, main)
            self.peak_total = max(self.peak_total, main + children)
            time.sleep(self.interval)


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"
