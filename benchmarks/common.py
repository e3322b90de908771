"""Helpers shared by the benchmark scripts: a scratch database and RSS sampling."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
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
    from config.paths import var_dir

    params = embedded_database(var_dir())
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


class _Recent:
    """A list of processes, read again from its source at most every EVERY seconds."""

    # Listing a process's children reads every process's /proc entry: ~2 ms, which 25
    # times a second took the benchmark ~4 % of a core from the two it measures. The
    # processes measured (the import, its workers, its database backend) start once and
    # stay, so their lists are read again only this often; the samples stay frequent.
    EVERY = 0.5  # seconds

    def __init__(self, read: Callable[[], list[psutil.Process]]) -> None:
        self._read = read
        self._items: list[psutil.Process] = []
        self._read_at = -self.EVERY

    def __call__(self) -> list[psutil.Process]:
        now = time.monotonic()
        if now - self._read_at >= self.EVERY:
            self._items = self._read()
            self._read_at = now
        return self._items


class _Sampler:
    """Calls sample() every interval seconds in a thread, from enter to exit."""

    def __init__(self, pid: int, interval: float) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.children = _Recent(lambda: self.process.children(recursive=True))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample()
            except psutil.Error:  # the process has ended
                return
            time.sleep(self.interval)

    def sample(self) -> None:
        raise NotImplementedError


class PeakRSS(_Sampler):
    """Samples the RSS of a process and its children until stopped; keeps the peaks."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(pid, interval)
        self.peak_total = 0
        self.peak_main = 0

    def sample(self) -> None:
        main = self.process.memory_info().rss
        children = 0
        for child in self.children():
            try:
                children += child.memory_info().rss
            except psutil.Error:  # ended since it was listed
                continue
        self.peak_main = max(self.peak_main, main)
        self.peak_total = max(self.peak_total, main + children)


class CPUTimes(_Sampler):
    """Samples the CPU time of a process, its children and a database's server backends.

    Keeps each process's last reading, so processes that end during the run (workers,
    backends) still count up to their last sample; a backend that lives less than
    _Recent.EVERY may be missed. Reading another user's processes needs the right to (root here).
    """

    def __init__(self, pid: int, url: str, interval: float = 0.2) -> None:
        import psycopg

        super().__init__(pid, interval)
        self.database = url.rsplit("/", 1)[1]
        self._admin = psycopg.connect(_libpq(url.rsplit("/", 1)[0] + "/postgres"), autocommit=True)
        self.seconds: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU seconds)
        self.backends = _Recent(self._backends)

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        self._admin.close()

    def _backends(self) -> list[psutil.Process]:
        rows = self._admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
        ).fetchall()
        backends = []
        for (pid,) in rows:
            try:
                backends.append(psutil.Process(pid))
            except psutil.Error:
                continue
        return backends

    def by_role(self) -> dict[str, float]:
        """Return CPU seconds of "main", "workers" and "postgres" (the database's backends)."""
        totals = {"main": 0.0, "workers": 0.0, "postgres": 0.0}
        for role, seconds in self.seconds.values():
            totals[role] += seconds
        return totals

    def sample(self) -> None:
        processes = [(self.process, "main")] + [(child, "workers") for child in self.children()]
        for process, role in processes + [(backend, "postgres") for backend in self.backends()]:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            self.seconds[process.pid] = (role, times.user + times.system)


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"
