"""Server-side latency of the browse and search pages on 100,000 articles.

    .venv/bin/python benchmarks/web_bench.py [--articles 100000] [--base 1000] [--requests 40]

Builds a scratch database `tanpan_bench_web`: --base synthetic articles go through the real
import (decode, clean, segment, entities), then SQL clones them (new ids, hashes, titles,
dates, outlets and MinHash bands; the same bodies, search vectors and mentions) up to --articles,
plus one 10,000-character article for the reader. Then it times each page with Django's
test client, in process, after one warm-up request, and prints p50/p95 per page.
Reuses the database when it already holds the requested number of articles (--rebuild to
force).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, env_for, fresh_database, server_url
from benchmarks.dumpgen import generate, write_dump

DATABASE = "tanpan_bench_web"
OUTLETS = [
    "路透社",
    "塔斯社",
    "联合早报",
    "中央社",
    "新华社",
    "BBC中文",
    "美国之音",
    "法广",
    "德国之声",
    "CNN",
]
ID_STRIDE = 10_000_000  # clone g of article a gets id a + g * ID_STRIDE


def build(articles: int, base: int) -> None:
    url = fresh_database(DATABASE)
    with tempfile.TemporaryDirectory() as scratch:
        dump = write_dump(Path(scratch) / "dump", base, seed=2026)
        _, text = next(generate(1, seed=99, min_chars=10_000))
        (dump / "long_article.txt").write_text(text, encoding="utf-8")
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "import_articles",
                str(dump),
                "--quiet",
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=env_for(url),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"imported {base + 1} articles in {time.monotonic() - started:.0f} s")
    clones = (articles - base - 1 + base - 1) // base
    started = time.monotonic()
    _clone(url, clones)
    print(f"cloned up to {articles} articles in {time.monotonic() - started:.0f} s")


def _clone(url: str, clones: int) -> None:
    import psycopg

    from benchmarks.common import _libpq

    outlets = "ARRAY[" + ",".join(f"'{o}'" for o in OUTLETS) + "]"
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(
            f"""
            INSERT INTO articles_article (
                id, title, title_source, body, raw_text, removals, content_hash, source_name,
                source_url, encoding, outlet, published, script, batch_id, search_vector,
                minhash, minhash_bands, near_duplicate_of_id,
                near_duplicate_similarity, annotation_status, created_at, updated_at)
            SELECT a.id + g * {ID_STRIDE}, a.title || ' · ' || g, a.title_source, a.body,
                a.raw_text, a.removals, md5(a.content_hash || g) || md5(g || a.content_hash),
                a.source_name || '#' || g, '', a.encoding, ({outlets})[1 + (a.id + g) % 10],
                DATE '2025-01-01' + ((a.id * 7 + g) % 600)::int, a.script, a.batch_id,
                a.search_vector || setweight(to_tsvector('simple', g::text), 'A'), a.minhash,
                ARRAY[(random() * 9e18)::bigint, (random() * 9e18)::bigint],
                NULL, NULL, 'not_started',
                a.created_at - make_interval(hours => g * 3), a.updated_at
            FROM articles_article a CROSS JOIN generate_series(1, {clones}) AS g
            WHERE a.source_name NOT LIKE '%long_article.txt'
            """  # noqa: S608 - numbers and our own constants
        )
        conn.execute(
            f"""
            INSERT INTO articles_mention (article_id, entity_id, start, "end", method)
            SELECT m.article_id + g * {ID_STRIDE}, m.entity_id, m.start, m."end", m.method
            FROM articles_mention m JOIN articles_article a ON a.id = m.article_id
            CROSS JOIN generate_series(1, {clones}) AS g
            WHERE a.source_name NOT LIKE '%long_article.txt'
            """  # noqa: S608
        )
        conn.execute(
            """
            UPDATE articles_entity e SET mention_count = c.m, article_count = c.a
            FROM (SELECT entity_id, count(*) m, count(DISTINCT article_id) a
                  FROM articles_mention GROUP BY entity_id) c
            WHERE e.id = c.entity_id
            """
        )
        conn.execute(
            "SELECT setval('articles_article_id_seq', (SELECT max(id) FROM articles_article))"
        )
        conn.execute("VACUUM ANALYZE")


def measure(requests: int) -> None:
    os.environ["DATABASE_URL"] = server_url(DATABASE)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.services import user_create
    from articles.models import Alias, Article, Mention

    setup_test_environment()
    user = User.objects.filter(username="bench").first() or user_create(
        username="bench", password="a bench password 1", role="analyst"
    )
    client = Client()
    client.force_login(user)
    total = Article.objects.count()
    mentions = Mention.objects.count()
    putin = Alias.objects.get(normalized="普京").entity_id
    long_article = Article.objects.filter(source_name__endswith="long_article.txt").get()
    print(
        f"database: {total} articles, {mentions} mentions; long article "
        f"{len(long_article.body)} characters"
    )
    pages = [
        ("list", "/"),
        ("list, page 200", "/?page=200"),
        ("list, outlet + entity filter", f"/?outlet=路透社&entity={putin}"),
        ("search person (普京)", "/?q=普京"),
        ("search person by Latin name (Zelensky)", "/?q=Zelensky"),
        ("search two-word phrase", '/?q="停火 协议"'),
        ("search rare word", "/?q=雅西恩卡"),
        ("entity page (普京)", f"/entities/{putin}/"),
        ("entity list (people)", "/entities/?kind=person"),
        ("reader, 10,000-character article", f"/articles/{long_article.pk}/"),
    ]
    print(f"{'page':<42}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    for label, path in pages:
        response = client.get(path)  # warm-up (and check)
        assert response.status_code == 200, (path, response.status_code)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
        print(f"{label:<42}{statistics.median(timings):>8.1f}{p95:>8.1f}{timings[-1]:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if args.rebuild or _count() < args.articles:
        build(args.articles, args.base)
    measure(args.requests)


def _count() -> int:
    import psycopg

    from benchmarks.common import _libpq

    try:
        with psycopg.connect(_libpq(server_url(DATABASE))) as conn:
            return conn.execute("SELECT count(*) FROM articles_article").fetchone()[0]
    except psycopg.Error:
        return 0


if __name__ == "__main__":
    main()
