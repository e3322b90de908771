"""Annotation speed: creating annotations, and the workspace for a long, busy article.

    .venv/bin/python benchmarks/workspace_bench.py [--requests 60]

Uses the web benchmark's database (`tanpan_bench_web`; run benchmarks/web_bench.py first):
its 10,000-character article gets 300 annotations, then this prints server-side p50/p95
of creating an annotation through the API, of the reader/workspace page and of the
annotation list the page loads, and, in Debian's Chromium through Playwright, the time
until the workspace is interactive (page navigation until the highlights are drawn).
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, env_for, server_url

DATABASE = "tanpan_bench_web"
PASSWORD = "a bench password 1"


def percentiles(timings: list[float]) -> str:
    timings = sorted(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return f"p50 {statistics.median(timings):7.1f} ms   p95 {p95:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    url = server_url(DATABASE)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from accounts.services import user_create
    from annotations.models import Annotation, Label
    from articles.models import Article

    setup_test_environment()
    user = User.objects.filter(username="benchanalyst").first() or user_create(
        username="benchanalyst", password=PASSWORD, role="analyst"
    )
    article = Article.objects.get(source_name__endswith="long_article.txt")
    body = article.body
    claim = Label.objects.get(name="Claim")
    Annotation.objects.filter(article=article).update(speaker=None)
    Annotation.objects.filter(article=article).delete()
    client = APIClient()
    client.force_login(user)

    # 300 annotations spread over the article, some overlapping
    step = max(1, (len(body) - 40) // 300)
    create_timings = []
    for index in range(300):
        start = index * step
        end = start + 12 + index % 20
        payload = {
            "article": article.pk,
            "label": claim.pk,
            "start": start,
            "end": end,
            "text": body[start:end],
            "client_key": str(uuid.uuid4()),
        }
        started = time.perf_counter()
        response = client.post("/api/v1/annotations/", payload, format="json")
        create_timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.content
    print(f"article {article.pk}: {len(body)} characters, 300 annotations")
    print(f"create an annotation (API)            {percentiles(create_timings[20:])}")
    for label, path in [
        ("workspace page (reader + workspace)", f"/articles/{article.pk}/"),
        (
            "annotation list the page loads",
            f"/api/v1/annotations/?article={article.pk}&page_size=200",
        ),
    ]:
        client.get(path)
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        print(f"{label:<38}{percentiles(timings)}")
    browser_ready(url, article.pk)


def browser_ready(url: str, article_id: int, runs: int = 8) -> None:
    """Print how long Chromium takes from navigation to an interactive workspace."""
    chromium = "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("browser: no Chromium at /usr/bin/chromium, skipped")
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env_for(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from playwright.sync_api import sync_playwright

        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            base = f"http://127.0.0.1:{port}"
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", "benchanalyst")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                page.goto(f"{base}/articles/{article_id}/")
                page.wait_for_selector("html[data-workspace-ready=true]")
                timings.append((time.perf_counter() - started) * 1000)
            browser.close()
        print(f"browser: navigation to interactive    {percentiles(timings)}  ({runs} loads)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
