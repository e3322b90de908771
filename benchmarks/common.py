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


class _Sampler:
    """Calls sample() every interval seconds in a thread, from enter to exit."""

    # Listing a process's children reads every process's /proc entry: ~2 ms, which 20
    # times a second took the benchmark ~4 % of a core from the two it measures. The
    # processes measured (the import and its workers) start once and stay, so the list
    # is read again only this often.
    CHILDREN_EVERY = 0.5  # seconds

    def __init__(self, pid: int, interval: float) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._children: list[psutil.Process] = []
        self._children_read = -self.CHILDREN_EVERY

    def children(self) -> list[psutil.Process]:
        """Return the process's children, recursively, as listed at most CHILDREN_EVERY ago."""
        now = time.monotonic()
        if now - self._children_read >= self.CHILDREN_EVERY:
            self._children = self.process.children(recursive=True)
            self._children_read = now
        return self._children

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
    CHILDREN_EVERY may be missed. Reading another user's processes needs the right to (root here).
    """

    def __init__(self, pid: int, url: str, interval: float = 0.2) -> None:
        import psycopg

        super().__init__(pid, interval)
        self.database = url.rsplit("/", 1)[1]
        self._admin = psycopg.connect(_libpq(url.rsplit("/", 1)[0] + "/postgres"), autocommit=True)
        self.seconds: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU seconds)
        self._backends: list[psutil.Process] = []
        self._backends_read = -self.CHILDREN_EVERY

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        self._admin.close()

    def backends(self) -> list[psutil.Process]:
        """Return the database's server backends, as listed at most CHILDREN_EVERY ago."""
        now = time.monotonic()
        if now - self._backends_read >= self.CHILDREN_EVERY:
            rows = self._admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
            ).fetchall()
            self._backends = []
            for (pid,) in rows:
                try:
                    self._backends.append(psutil.Process(pid))
                except psutil.Error:
                    continue
            self._backends_read = now
        return self._backends

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
