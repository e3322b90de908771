"""Load test: simulated analysts against gunicorn on the 100,000-article database.

    .venv/bin/python benchmarks/load_test.py [--users 50] [--duration 120] [--think 2]
                                             [--workers 4] [--port 0]

Uses the web benchmark's database `tanpan_bench_web` on DATABASE_URL's server or the
embedded one, building it first when it is missing (as benchmarks/web_bench.py does; that
takes a while) and migrating it. Creates or reuses the analysts load01…loadNN, deletes
what earlier runs annotated, collects static files into var/load_test_static and starts
gunicorn as `make serve-prod` does, with production settings: DEBUG off, a random
SECRET_KEY, ALLOWED_HOSTS 127.0.0.1, SECURE_SSL_REDIRECT=0. Every analyst logs in through
the login form, then for --duration seconds browses the list, searches (Chinese words,
entity names, Latin names, phrases, the entity picker), opens workspaces (the page and the
two requests its script makes) and creates, edits and deletes annotations through the API
with the CSRF token, as the workspace does, waiting 0.5-1.5 x --think seconds between actions.

With DEBUG off the session and CSRF cookies are marked Secure and no setting turns that
off, so over plain HTTP the client keeps the cookies itself and sends them back.

Prints requests/s and p50/p95/p99 per endpoint, the errors (any status but 2xx/3xx, and
failed requests) and the 409 conflicts apart. Every loop is bounded in count and time;
gunicorn is stopped on exit, on Ctrl-C too, and dies with this process.
"""

import argparse
import asyncio
import contextlib
import ctypes
import http.cookiejar
import http.cookies
import logging
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, manage, server_url
from benchmarks.web_bench import DATABASE, _count, build

PASSWORD = "a load-test password 1"
WORDS = ["停火", "乌克兰", "谈判", "和平协议", "北约", "欧洲", "克里姆林宫", "领土", "顿巴斯"]
PHRASES = ['"停火 协议"', '"和平 协议"', '"安全 保障"']
LATIN = ["Zelensky", "Putin", "Trump", "Peskov", "Witkoff", "Lavrov", "Kellogg"]
REQUEST_TIMEOUT = 30.0
# status, seconds the worker spent on the request (not the wait for a free worker), endpoint
ACCESS_LOG_FORMAT = "%(s)s %(L)s %({x-load-endpoint}i)s"
LOGIN_TIMEOUT = 300.0  # hashing a password (PBKDF2, 1.5 million rounds) takes seconds here


@dataclass
class Scenario:
    """What the analysts work on, read from the database once."""

    users: list[tuple[str, int]]  # (username, id)
    articles: list[int]  # the most recent ones: the first pages of the list
    long_article: int
    bodies: dict[int, str]
    labels: list[int]
    entities: list[tuple[int, str]]  # (id, name) of the most mentioned
    outlets: list[str]


def prepare(users: int, url: str) -> Scenario:
    """Create or reuse the analysts, forget earlier runs' annotations; return the scenario."""
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "1"  # this process only: the development key will do
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Django's config logs every request
    from django.contrib.auth.models import User

    from accounts.services import user_create
    from annotations.models import Annotation, Label
    from articles.models import AnnotationStatus, Article, Entity

    names = [f"load{number:02d}" for number in range(1, users + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    for name in names:
        if name not in existing:
            user_create(username=name, password=PASSWORD, role="analyst")
    ours = Annotation.objects.filter(annotator__username__startswith="load")
    touched = set(ours.values_list("article_id", flat=True))
    ours.delete()
    Article.objects.filter(pk__in=touched).exclude(
        pk__in=Annotation.objects.values("article_id")
    ).update(annotation_status=AnnotationStatus.NOT_STARTED)
    _vacuum()

    recent = list(
        Article.objects.filter(near_duplicate_of__isnull=True)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)[:200]
    )
    long_article = Article.objects.get(source_name__endswith="long_article.txt").pk
    bodies = dict(Article.objects.filter(pk__in=[*recent, long_article]).values_list("id", "body"))
    return Scenario(
        users=list(User.objects.filter(username__in=names).values_list("username", "id")),
        articles=recent,
        long_article=long_article,
        bodies=bodies,
        labels=list(
            Label.objects.filter(kind__in=["claim", "speaker", "source"]).values_list(
                "id", flat=True
            )
        ),
        entities=list(
            Entity.objects.live()
            .exclude(kind=Entity.Kind.OUTLET)
            .order_by("-mention_count")
            .values_list("id", "name")[:40]
        ),
        outlets=list(
            Article.objects.exclude(outlet="")
            .order_by("outlet")
            .values_list("outlet", flat=True)
            .distinct()
        ),
    )


# What a run churns: every list page rewrites a session, every edit adds history.
CHURNED = [
    "django_session",
    "annotations_annotation",
    "annotations_annotationevent",
    "articles_article",
    "axes_accessattempt",
    "axes_accesslog",
]


def _vacuum() -> None:
    """Vacuum what earlier runs churned, analyze everything; say when autovacuum is off.

    With autovacuum off (this machine's PostgreSQL 15 has it off) each run left ~1,500 dead
    session rows behind, and every request's session lookup walked them: run after run got
    slower. A production server has autovacuum on; this keeps runs comparable either way.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] != "on":
            print("note: autovacuum is off on this server; vacuuming the churned tables")
        for table in CHURNED:
            cursor.execute(f"VACUUM {table}")  # constant names
        cursor.execute("ANALYZE")  # statistics for every table, as autovacuum keeps them


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: be sent SIGTERM when this process dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def production_env(url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",  # plain http on 127.0.0.1
        "STATIC_ROOT": str(ROOT / "var" / "load_test_static"),
        "LOG_LEVEL": "WARNING",
    }


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    with log.open("w") as output:
        return subprocess.Popen(
            [
                ROOT / ".venv" / "bin" / "gunicorn",
                "config.wsgi",
                "--preload",  # as make serve-prod: the segmenter is loaded once, in the master
                *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
                *("--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
            preexec_fn=_die_with_parent,  # safe: this process has no threads yet
        )


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn and its workers (its process group): TERM, then KILL after 10 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/accounts/login/", timeout=5).status_code == 200:
                return
        time.sleep(0.3)
    sys.exit(f"gunicorn did not answer within 90 s:\n{log.read_text()[-3000:]}")


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)
    conflicts: Counter = field(default_factory=Counter)

    def record(self, endpoint: str, ms: float, status: int | None, detail: str = "") -> None:
        self.latencies[endpoint].append(ms)
        self.statuses[endpoint][status] += 1
        if status == 409:
            self.conflicts[endpoint] += 1
        elif status is None or status >= 400:
            self.errors.append(f"{endpoint}: {status or 'failed'} {detail}")


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """httpx's jar would keep the Secure cookies but never send them over http: keep none."""

    def set_ok(self, cookie, request) -> bool:
        return False


class Analyst:
    """One browser: its cookies, the article it has open, the annotations it made there."""

    def __init__(
        self, name: str, user_id: int, base: str, stats: Stats, scenario: Scenario, seed: int
    ) -> None:
        self.name, self.user_id, self.base = name, user_id, base
        self.stats, self.scenario = stats, scenario
        self.rng = random.Random(seed)
        self.cookies: dict[str, str] = {}
        self.client = httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT)
        self.client.cookies.jar.set_policy(_NoCookies())
        self.article: int | None = None
        self.mine: dict[int, int] = {}  # annotation id -> version, in the open article

    async def request(
        self, endpoint: str, method: str, path: str, **kwargs
    ) -> httpx.Response | None:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-Load-Endpoint": endpoint,  # for the server-side times in gunicorn's log
        }
        if method != "GET":  # as the page's script sends them
            headers |= {"X-CSRFToken": self.cookies.get("csrftoken", ""), "Origin": self.base}
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            self.stats.record(endpoint, (time.perf_counter() - started) * 1000, None, repr(error))
            return None
        ms = (time.perf_counter() - started) * 1000
        for line in response.headers.get_list("set-cookie"):
            for name, morsel in http.cookies.SimpleCookie(line).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        detail = response.text[:200] if response.status_code >= 400 else ""
        self.stats.record(endpoint, ms, response.status_code, detail)
        return response

    async def log_in(self) -> bool:
        await self.request("login form", "GET", "/accounts/login/")
        response = await self.request(
            "login",
            "POST",
            "/accounts/login/",
            timeout=LOGIN_TIMEOUT,
            data={
                "username": self.name,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            },
        )
        return response is not None and response.status_code == 302 and "sessionid" in self.cookies

    async def work(self, deadline: float, think: float, max_actions: int) -> None:
        await asyncio.sleep(self.rng.uniform(0, think))  # people do not all start at once
        for _ in range(max_actions):
            if time.monotonic() >= deadline:
                return
            roll = self.rng.random()
            if roll < 0.20:
                await self.browse()
            elif roll < 0.40:
                await self.search()
            elif roll < 0.45:
                await self.filter()
            elif roll < 0.70 or self.article is None:
                await self.open_workspace()
            else:
                await self.annotate()
            pause = think * self.rng.uniform(0.5, 1.5)
            await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))

    async def browse(self) -> None:
        if self.rng.random() < 0.5:
            await self.request("list", "GET", "/")
        else:
            page = self.rng.randint(2, 200)
            await self.request("list, page 2-200", "GET", "/", params={"page": page})

    async def search(self) -> None:
        kind = self.rng.choice(["word", "entity", "latin", "phrase", "picker"])
        if kind == "word":
            await self.request("search: Chinese word", "GET", "/", params={"q": self.pick(WORDS)})
        elif kind == "entity":
            _, name = self.rng.choice(self.scenario.entities)
            await self.request("search: entity name", "GET", "/", params={"q": name})
        elif kind == "latin":
            await self.request("search: Latin name", "GET", "/", params={"q": self.pick(LATIN)})
        elif kind == "phrase":
            await self.request("search: phrase", "GET", "/", params={"q": self.pick(PHRASES)})
        else:
            query = self.rng.choice(self.scenario.entities)[1][:2]
            await self.request(
                "entity picker", "GET", "/entities/autocomplete/", params={"q": query}
            )

    async def filter(self) -> None:
        entity, _ = self.rng.choice(self.scenario.entities)
        params = {"entity": entity}
        if self.scenario.outlets:
            params["outlet"] = self.pick(self.scenario.outlets)
        await self.request("list: outlet + entity", "GET", "/", params=params)

    async def open_workspace(self) -> None:
        """The workspace page, then what its script loads: annotations and suggestions."""
        article = (
            self.scenario.long_article
            if self.rng.random() < 0.1
            else self.rng.choice(self.scenario.articles[:60])
        )
        page = await self.request("workspace page", "GET", f"/articles/{article}/")
        if page is None or page.status_code != 200:
            return
        self.article = article
        listed = await self.request(
            "api: annotations of an article",
            "GET",
            "/api/v1/annotations/",
            params={"article": article, "page_size": 1000, "annotator": self.user_id},
        )
        if listed is not None and listed.status_code == 200:
            self.mine = {a["id"]: a["version"] for a in listed.json()["results"]}
        await self.request(
            "api: suggestions",
            "GET",
            "/api/v1/annotations/suggestions/",
            params={"article": article},
        )

    async def annotate(self) -> None:
        roll = self.rng.random()
        if roll < 0.6 or not self.mine:
            body = self.scenario.bodies[self.article]
            start = self.rng.randrange(0, len(body) - 30)
            end = start + self.rng.randint(2, 30)
            payload = {
                "article": self.article,
                "label": self.pick(self.scenario.labels),
                "start": start,
                "end": end,
                "text": body[start:end],
                "client_key": str(uuid.uuid4()),
            }
            response = await self.request(
                "api: create annotation", "POST", "/api/v1/annotations/", json=payload
            )
            if response is not None and response.status_code == 201:
                self.mine[response.json()["id"]] = response.json()["version"]
        elif roll < 0.85:
            pk, version = self.rng.choice(list(self.mine.items()))
            response = await self.request(
                "api: edit annotation",
                "PATCH",
                f"/api/v1/annotations/{pk}/",
                json={"version": version, "note": f"load test {self.rng.random():.6f}"},
            )
            if response is not None and response.status_code in (200, 409):
                data = response.json()
                self.mine[pk] = (data.get("current") or data)["version"]
        else:
            pk, version = self.rng.choice(list(self.mine.items()))
            response = await self.request(
                "api: delete annotation", "DELETE", f"/api/v1/annotations/{pk}/?version={version}"
            )
            if response is not None and response.status_code == 204:
                del self.mine[pk]

    def pick(self, items: list):
        return self.rng.choice(items)


def percentile(sorted_ms: list[float], fraction: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, round(fraction * len(sorted_ms)) - 1))
    return sorted_ms[index]


def server_times(log: Path) -> dict[str, list[float]]:
    """Return the milliseconds gunicorn's workers spent per request, by endpoint."""
    times: dict[str, list[float]] = defaultdict(list)
    for line in log.read_text(errors="replace").splitlines():
        match = re.fullmatch(r"(\d{3}) ([\d.]+) (.+)", line)
        if match:
            times[match[3]].append(float(match[2]) * 1000)
    return times


def report(stats: Stats, seconds: float, server: dict[str, list[float]], skip: set[str]) -> None:
    """Print client-side latency (queueing included) and server-side time per endpoint."""
    print(
        f"\n{'':<32}{'':>16}{'client: ms':^32}{'':>10}{'server: ms':^16}\n"
        f"{'endpoint':<32}{'requests':>9}{'req/s':>7}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}"
        f"{'errors':>7}{'409':>5}{'p50':>8}{'p95':>8}"
    )
    everything: list[float] = []
    on_server: list[float] = []
    for endpoint in sorted(stats.latencies, key=lambda e: -len(stats.latencies[e])):
        if endpoint in skip:
            continue
        timings = sorted(stats.latencies[endpoint])
        worked = sorted(server.get(endpoint, [])) or [float("nan")]
        everything += timings
        on_server += server.get(endpoint, [])
        errors = sum(n for s, n in stats.statuses[endpoint].items() if s is None or s >= 400)
        conflicts = stats.conflicts[endpoint]
        print(
            f"{endpoint:<32}{len(timings):>9}{len(timings) / seconds:>7.1f}"
            f"{statistics.median(timings):>8.0f}{percentile(timings, 0.95):>8.0f}"
            f"{percentile(timings, 0.99):>8.0f}{timings[-1]:>8.0f}"
            f"{errors - conflicts:>7}{conflicts:>5}"
            f"{statistics.median(worked):>8.0f}{percentile(worked, 0.95):>8.0f}"
        )
    everything.sort()
    on_server.sort()
    print(
        f"{'all':<32}{len(everything):>9}{len(everything) / seconds:>7.1f}"
        f"{statistics.median(everything):>8.0f}{percentile(everything, 0.95):>8.0f}"
        f"{percentile(everything, 0.99):>8.0f}{everything[-1]:>8.0f}{'':>12}"
        f"{statistics.median(on_server):>8.0f}{percentile(on_server, 0.95):>8.0f}"
    )


def cpu_seconds(pid: int) -> float:
    """Return the CPU time used so far by a process and its children (gunicorn's workers)."""
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(p.cpu_times().user + p.cpu_times().system for p in processes)


def postgres_cpu_seconds() -> float:
    """Return the CPU time used so far by the machine's PostgreSQL processes (0 if not local)."""
    total = 0.0
    for process in psutil.process_iter(["name", "cpu_times"]):
        if process.info["name"] in ("postgres", "postmaster") and process.info["cpu_times"]:
            total += process.info["cpu_times"].user + process.info["cpu_times"].system
    return total


async def run(
    args: argparse.Namespace, base: str, scenario: Scenario, stats: Stats, server_pid: int
) -> float:
    analysts = [
        Analyst(name, user_id, base, stats, scenario, seed=number)
        for number, (name, user_id) in enumerate(scenario.users)
    ]
    try:
        started = time.monotonic()
        gate = asyncio.Semaphore(args.workers)  # a login keeps a worker busy for seconds

        async def log_in(analyst: Analyst) -> bool:
            async with gate:
                return await analyst.log_in()

        logged_in = await asyncio.gather(*(log_in(a) for a in analysts))
        if not all(logged_in):
            sys.exit(f"{logged_in.count(False)} analysts could not log in: {stats.errors[:3]}")
        print(f"{len(analysts)} analysts logged in in {time.monotonic() - started:.1f} s")
        # Each worker loads the segmenter and the lexicon on its first search, which takes
        # seconds: pay that before measuring (a long-running server pays it once), one search
        # at a time (all workers at once on a busy machine can pass gunicorn's 30 s timeout),
        # until 2 x workers searches in a row were fast.
        started = time.monotonic()
        fast = 0
        for n in range(20 * args.workers):
            response = await analysts[0].request(
                "warm-up", "GET", "/", params={"q": WORDS[n % len(WORDS)]}, timeout=LOGIN_TIMEOUT
            )
            fast = fast + 1 if response is not None and stats.latencies["warm-up"][-1] < 1500 else 0
            if fast == 2 * args.workers:
                break
        print(
            f"warm-up: {n + 1} searches one by one in {time.monotonic() - started:.1f} s; "
            f"slowest {max(stats.latencies['warm-up']) / 1000:.1f} s (a worker's first search)"
        )

        loads = []

        async def sample_load() -> None:
            while True:
                loads.append(os.getloadavg()[0])
                await asyncio.sleep(5)

        sampler = asyncio.create_task(sample_load())
        cpu_before = cpu_seconds(server_pid)
        postgres_before = postgres_cpu_seconds()
        own_before = sum(psutil.Process().cpu_times()[:2])
        started = time.monotonic()
        deadline = started + args.duration
        max_actions = int(args.duration / (args.think * 0.5)) + 1 if args.think else 100_000
        await asyncio.wait_for(
            asyncio.gather(*(a.work(deadline, args.think, max_actions) for a in analysts)),
            timeout=args.duration + REQUEST_TIMEOUT + 30,
        )
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(server_pid) - cpu_before
        # a lower bound: backends that ended meanwhile (connections last 60 s) are not seen
        postgres = postgres_cpu_seconds() - postgres_before
        own = sum(psutil.Process().cpu_times()[:2]) - own_before
        sampler.cancel()
        print(
            f"CPU-seconds used: gunicorn {cpu:.0f} ({cpu / elapsed:.2f} CPUs on average), "
            f"PostgreSQL {postgres:.0f}, this load generator {own:.0f}"
        )
        print(
            f"1-minute load average during the run: mean {statistics.mean(loads):.1f}, "
            f"max {max(loads):.1f} ({os.cpu_count()} CPUs)"
        )
        return elapsed
    finally:
        await asyncio.gather(*(a.client.aclose() for a in analysts), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120, help="seconds")
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between actions")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    args = parser.parse_args()
    if not 1 <= args.users <= 99 or args.duration <= 0:
        parser.error("--users 1-99, --duration > 0")

    # A TERM (kill, a CI timeout) unwinds like Ctrl-C, so gunicorn is stopped either way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url = server_url(DATABASE)
    if _count() < 100_000:
        print(f"building {DATABASE} (100,000 articles; this takes a while) …", flush=True)
        build(100_000, 1_000)
    manage("migrate", "--no-input", "-v0", url=url)
    scenario = prepare(args.users, url)
    articles = _count()
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="tanpan-load-")) / "gunicorn.log"
    load_before = os.getloadavg()
    gunicorn = start_gunicorn(production_env(url, port), port, args.workers, log)
    stats = Stats()
    try:
        wait_until_up(base, gunicorn, log)
        print(
            f"{args.users} analysts for {args.duration:.0f} s (think {args.think} s), gunicorn "
            f"{args.workers} workers on {base}, {DATABASE} ({articles:,} articles)\n"
            f"load average before: {' '.join(f'{x:.2f}' for x in load_before)} "
            f"({os.cpu_count()} CPUs); gunicorn log: {log}"
        )
        elapsed = asyncio.run(run(args, base, scenario, stats, gunicorn.pid))
    finally:
        stop(gunicorn)
    report(stats, elapsed, server_times(log), skip={"login form", "login", "warm-up"})
    conflicts = sum(stats.conflicts.values())
    print(f"\nerrors: {len(stats.errors)}; expected 409 conflicts: {conflicts}")
    for error in stats.errors[:10]:
        print(f"  {error}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
