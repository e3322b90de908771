"""Export speed and memory: 1,000,000 annotations over 100,000 articles.

    .venv/bin/python benchmarks/export_bench.py [--annotations 1000000]

Uses the web benchmark's database (`tanpan_bench_web`; run benchmarks/web_bench.py first)
and fills it, once, with annotations made in SQL: per article a few claims, each with a
speaker span (linked, with an entity) and a source span. Then it times the claims CSV
through `manage.py export_annotations` and through the HTTP endpoint /export/ (a
runserver process, read by a streaming client), printing rows/s and the peak RSS of the
process that exports.
"""

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, PeakRSS, _libpq, env_for, mb, server_url

DATABASE = "tanpan_bench_web"
PASSWORD = "a bench password 1"


def fill(url: str, total: int) -> None:
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM annotations_annotation").fetchone()[0]
        if have >= total:
            print(f"database already holds {have} annotations")
            return
        started = time.monotonic()
        conn.execute("DELETE FROM annotations_claimsource")
        conn.execute("UPDATE annotations_annotation SET speaker_id = NULL")
        conn.execute("DELETE FROM annotations_annotationevent")
        conn.execute("DELETE FROM annotations_annotation")
        user = conn.execute("SELECT id FROM auth_user WHERE username = 'bench'").fetchone()
        if user is None:
            sys.exit("run benchmarks/web_bench.py first (it creates the bench user)")
        labels = dict(conn.execute("SELECT kind, id FROM annotations_label").fetchall())
        top = "SELECT id FROM articles_entity WHERE kind = %s ORDER BY mention_count DESC LIMIT 1"
        person = conn.execute(top, ["person"]).fetchone()[0]
        outlet = conn.execute(top, ["outlet"]).fetchone()[0]
        articles = conn.execute("SELECT count(*) FROM articles_article").fetchone()[0]
        # a claim, a speaker and a source per step, rounded up
        per_article = max(1, -(-total // (articles * 3)))
        # speaker spans, source spans, then claims pointing at them; text = body slice
        for kind, offset, entity in (("speaker", 0, person), ("source", 40, outlet)):
            conn.execute(
                f"""
                INSERT INTO annotations_annotation (article_id, label_id, start, "end", text,
                    annotator_id, entity_id, note, origin, status, speaker_anonymous,
                    speaker_description, review_comment, version, created_at, updated_at)
                SELECT a.id, %s, g * 120 + {offset}, g * 120 + {offset} + 4,
                       substr(a.body, g * 120 + {offset} + 1, 4), %s, %s, '', 'manual',
                       'submitted', false, '', '', 1, now(), now()
                FROM articles_article a CROSS JOIN generate_series(0, %s) g
                WHERE length(a.body) > g * 120 + 120
                """,  # noqa: S608 - numbers only
                [labels[kind], user[0], entity, per_article - 1],
            )
        conn.execute(
            """
            INSERT INTO annotations_annotation (article_id, label_id, start, "end", text,
                annotator_id, speaker_id, speaker_entity_id, note, origin, status,
                speaker_anonymous, speaker_description, review_comment, version,
                created_at, updated_at)
            SELECT s.article_id, %s, s.start + 60, s.start + 100,
                   substr(a.body, s.start + 61, 40), s.annotator_id, s.id, s.entity_id,
                   CASE WHEN s.id %% 7 = 0 THEN '=SUM(A1)' ELSE '' END, 'manual', 'accepted',
                   false, '', '', 1, now(), now()
            FROM annotations_annotation s JOIN articles_article a ON a.id = s.article_id
            WHERE s.label_id = %s
            """,
            [labels["claim"], labels["speaker"]],
        )
        conn.execute(
            """
            INSERT INTO annotations_claimsource (claim_id, span_id, entity_id)
            SELECT c.id, src.id, NULL
            FROM annotations_annotation c
            JOIN annotations_annotation src ON src.article_id = c.article_id
                 AND src.label_id = %s AND src.start = c.start - 20
            WHERE c.label_id = %s
            """,
            [labels["source"], labels["claim"]],
        )
        # statistics for both filled tables: with autovacuum off (as on this machine's
        # PostgreSQL 15) the planner would otherwise think claim sources an empty table
        conn.execute("VACUUM ANALYZE annotations_annotation")
        conn.execute("VACUUM ANALYZE annotations_claimsource")
        count = conn.execute("SELECT count(*) FROM annotations_annotation").fetchone()[0]
        print(f"made {count} annotations in {time.monotonic() - started:.0f} s")


def claim_count(url: str) -> int:
    import psycopg

    with psycopg.connect(_libpq(url)) as conn:
        return conn.execute(
            "SELECT count(*) FROM annotations_annotation a JOIN annotations_label l "
            "ON l.id = a.label_id WHERE l.kind = 'claim' AND a.deleted_at IS NULL"
        ).fetchone()[0]


def through_command(url: str, claims: int) -> None:
    # the same command exporting nothing: Django's and Python's start-up alone
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "export_annotations",
            "--outlet",
            "no such outlet",
            "-o",
            os.devnull,
        ],
        cwd=ROOT,
        env=env_for(url),
        check=True,
    )
    startup = time.monotonic() - started
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "claims.csv"
        started = time.monotonic()
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "export_annotations",
                "--kind",
                "claims",
                "-o",
                str(output),
            ],
            cwd=ROOT,
            env=env_for(url),
        )
        with PeakRSS(process.pid) as rss:
            process.wait()
        elapsed = time.monotonic() - started
        lines = sum(1 for _ in output.open("rb")) - 1
        size = output.stat().st_size
    print(
        f"command: {claims} rows ({size / 1e6:.0f} MB, {lines} lines) in {elapsed:.1f} s = "
        f"{claims / elapsed:,.0f} rows/s with process start-up, "
        f"{claims / (elapsed - startup):,.0f} rows/s without its {startup:.1f} s; "
        f"peak RSS {mb(rss.peak_main)}"
    )


def through_http(url: str, claims: int) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**env_for(url), "DJANGO_SETTINGS_MODULE": "config.settings"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        session = _session_cookie(url)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        query = urlencode({"download": 1, "kind": "claims", "format": "csv", "bom": "on"})
        started = time.monotonic()
        with PeakRSS(server.pid) as rss:
            connection.request(
                "GET", f"/export/?{query}", headers={"Cookie": f"sessionid={session}"}
            )
            response = connection.getresponse()
            assert response.status == 200, response.status
            size = 0
            while chunk := response.read(1 << 20):
                size += len(chunk)
        elapsed = time.monotonic() - started
        print(
            f"HTTP:    {claims} rows ({size / 1e6:.0f} MB) in {elapsed:.1f} s = "
            f"{claims / elapsed:,.0f} rows/s; server peak RSS {mb(rss.peak_main)}"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


def _session_cookie(url: str) -> str:
    """Return a session key for a reviewer, made directly (no login round trip)."""
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth.models import User\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from accounts.services import user_create\n"
        "u = User.objects.filter(username='benchreviewer').first() or "
        f"user_create(username='benchreviewer', password='{PASSWORD}', role='reviewer')\n"
        "s = SessionStore(); s['_auth_user_id'] = str(u.pk)\n"
        "s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s['_auth_user_hash'] = u.get_session_auth_hash(); s.create(); print(s.session_key)\n"
    )
    env = {**env_for(url), "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotations", type=int, default=1_000_000)
    args = parser.parse_args()
    url = server_url(DATABASE)
    os.environ.setdefault("DEBUG", "1")
    fill(url, args.annotations)
    claims = claim_count(url)
    print(f"claims to export: {claims}")
    through_command(url, claims)
    through_http(url, claims)


if __name__ == "__main__":
    main()
