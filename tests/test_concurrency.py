"""Concurrent writers in separate processes: no lost update, no deadlock, no duplicate.

Workers (tests/concurrency_worker.py) run as subprocesses with their own connections to
the test database, start together and write at once: analysts through the API, a
reviewer through the review services, and an import_articles run. Afterwards the history
of every annotation must be one unbroken chain of versions ending in its current state,
and every write a worker was told succeeded must be in it exactly once.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from annotations.models import Annotation, AnnotationEvent
from annotations.services import snapshot
from articles.models import AnnotationStatus, Article, ImportBatch, Mention
from benchmarks.dumpgen import write_dump
from tests.conftest import SAMPLES

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reseeded_db"),
    pytest.mark.slow,
]
HANG = 180  # seconds after which a worker counts as hung (a deadlock nobody detected)


def database_url() -> str:
    """Return a URL for the test database, for processes of our own."""
    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1"}


class Workers:
    """Worker processes started together (a go file) and collected with a time limit."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.go = tmp_path / "go"
        self.stop = tmp_path / "stop"
        self.processes: list[tuple[subprocess.Popen, Path, Path]] = []

    def start(self, **spec) -> None:
        spec = {"go": str(self.go), "stop": str(self.stop), **spec}
        number = len(self.processes)
        out, err = self.dir / f"worker{number}.out", self.dir / f"worker{number}.err"
        with out.open("w") as stdout, err.open("w") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.concurrency_worker", json.dumps(spec)],
                cwd=settings.BASE_DIR,
                env=env(),
                stdout=stdout,
                stderr=stderr,
            )
        self.processes.append((process, out, err))

    def release(self) -> None:
        """Wait until every worker is set up, then let them all go at once."""
        deadline = time.monotonic() + 120
        for process, out, err in self.processes:
            while "ready" not in out.read_text():
                assert process.poll() is None, err.read_text()
                assert time.monotonic() < deadline, "a worker did not start"
                time.sleep(0.05)
        self.go.touch()

    def results(self) -> list[dict]:
        """Return each worker's report; fail if one hung, crashed or met an error."""
        deadline = time.monotonic() + HANG
        results = []
        try:
            for process, out, err in self.processes:
                try:
                    process.wait(timeout=max(1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pytest.fail(f"a worker hung for {HANG} s (deadlock?): {out}")
                assert process.returncode == 0, err.read_text()[-3000:]
                results.append(json.loads(out.read_text().splitlines()[-1]))
        finally:
            for process, _, _ in self.processes:
                if process.poll() is None:
                    process.kill()
        for result in results:  # shown with -s, or -rP
            done = {kind: len(items) for kind, items in result["done"].items()}
            print(result["username"], result["ops"], "ops", done, result["refused"])
        errors = [e for r in results for e in r["errors"]]
        assert not errors, "\n".join(errors[:5])
        return results


def same_state(later: dict, earlier: dict) -> bool:
    """Return whether two snapshots agree; marking done submits drafts without an event."""
    if (earlier["status"], later["status"]) == ("draft", "submitted"):
        later = {**later, "status": "draft"}
    return later == earlier


def assert_history_is_one_chain_per_annotation() -> None:
    """Every change follows from the one before; the last one is the current state."""
    for annotation in Annotation.objects.prefetch_related("sources"):
        events = list(AnnotationEvent.objects.filter(annotation=annotation).order_by("id"))
        assert events[0].action == "create" and events[0].before is None
        assert [e.action for e in events].count("create") == 1
        previous = events[0].after
        for event in events[1:]:
            assert same_state(event.before, previous), (annotation.pk, event.action)
            assert event.after["version"] == previous["version"] + 1, annotation.pk
            previous = event.after
        assert same_state(snapshot(annotation), previous), annotation.pk


def assert_writes_match_history(results: list[dict]) -> None:
    """What the workers were told succeeded is in the history exactly once; nothing else."""
    done: dict[str, list] = {}
    for result in results:
        for kind, items in result["done"].items():
            done.setdefault(kind, []).extend([result["username"], *item] for item in items)
    # client keys: one annotation each, whichever process and however often it was sent
    by_key: dict[str, set[int]] = {}
    for _, key, pk, _ in done.get("create", []):
        by_key.setdefault(key, set()).add(pk)
    assert all(len(ids) == 1 for ids in by_key.values()), "one key, several annotations"
    assert sum(created for *_, created in done.get("create", [])) == len(by_key)
    assert Annotation.objects.count() == len(by_key)

    # The chain makes (annotation, version before) name one event.
    events = {
        (e.annotation_id, e.before["version"] if e.before else 0): e
        for e in AnnotationEvent.objects.select_related("actor")
    }
    for username, pk, version, note in done.get("update", []):
        event = _event_from(events, done, "update", username, pk, version)
        assert (event.action, event.after["note"], event.actor.username) == (
            "update",
            note,
            username,
        )
    for username, pk, version in done.get("delete", []):
        event = _event_from(events, done, "delete", username, pk, version)
        assert (event.action, event.actor.username) == ("delete", username)
    undone = Counter(action for _, action, _ in done.get("undo", []))
    actions = Counter(e.action for e in events.values())
    assert actions["create"] == len(by_key)
    assert actions["update"] == len(done.get("update", [])) + undone["update"]
    assert actions["delete"] == (len(done.get("delete", [])) + undone["create"] + undone["restore"])
    assert actions["restore"] == undone["delete"]
    assert sum(e.undone for e in events.values()) == 2 * undone.total()
    accepted = len(done.get("accept", [])) + sum(n for *_, n in done.get("accept_all", []))
    accepted += sum(n for *_, n, _ in done.get("adopt", []))
    assert actions["accept"] == accepted
    rejected = len(done.get("reject", [])) + sum(n for *_, n in done.get("adopt", []))
    assert actions["reject"] == rejected


def _event_from(
    events: dict[tuple[int, int], AnnotationEvent],
    done: dict[str, list],
    write: str,
    username: str,
    pk: int,
    version: int,
) -> AnnotationEvent:
    """Return the event a worker's write made from version; fail with the annotation's story."""
    event = events.get((pk, version))
    if event is None:
        # Seen once (a KeyError, 2026-11-23): an update was answered with a state read
        # after its commit (another process's delete), and the worker deleted from that
        # version again; fixed by reading the answer before the commit
        # (tests/annotations/test_api_races.py). Should it come back: say everything.
        chain = [
            (
                e.pk,
                e.action,
                e.actor.username,
                e.before and e.before["version"],
                e.after["version"],
                e.undone,
            )
            for e in sorted(events.values(), key=lambda e: e.pk)
            if e.annotation_id == pk
        ]
        # what the workers were told about it: [user, id, …] and creates [user, key, id, …]
        writes = [(kind, item) for kind, items in done.items() for item in items if pk in item[1:3]]
        raise AssertionError(
            f"{username}'s {write} of annotation {pk} from version {version} was answered as "
            f"done, but no event starts from that version. Its events (id, action, actor, "
            f"version before, version after, undone): {chain}. The workers' writes that name "
            f"it: {writes}"
        )
    return event


def assert_reviewed_articles_wait_for_nothing() -> None:
    for article in Article.objects.filter(annotation_status=AnnotationStatus.REVIEWED):
        waiting = Annotation.objects.live().filter(article=article, status="submitted")
        assert not waiting.exists(), f"article {article.pk} is reviewed but annotations wait"


def test_analysts_and_a_reviewer_on_one_article_lose_no_update(
    tmp_path, samples, analyst, other_analyst, reviewer
):
    article = samples["000"]
    workers = Workers(tmp_path)
    # two processes of alice send the same client keys at the same time
    for seed, username, keys in [(1, "alice", "alice"), (2, "alice", "alice"), (3, "bob", "bob")]:
        workers.start(
            role="analyst",
            username=username,
            keys=keys,
            article=article.pk,
            seed=seed,
            ops=250,
            seconds=90,
        )
    workers.start(
        role="reviewer",
        username="rita",
        analysts=["alice", "bob"],
        articles=[article.pk],
        seed=4,
        ops=250,
        seconds=90,
    )
    workers.release()
    results = workers.results()

    refused = sum((Counter(r["refused"]) for r in results), Counter())
    assert refused["update: conflict"] + refused["delete: conflict"] > 0, "no contention"
    assert_history_is_one_chain_per_annotation()
    assert_writes_match_history(results)
    assert_reviewed_articles_wait_for_nothing()
    assert (
        Annotation.objects.values("annotator", "client_key").distinct().count()
        == Annotation.objects.count()
    )


IMPORTED = 150


def test_an_import_while_analysts_annotate_finishes_with_the_right_counts(
    tmp_path, samples, analyst, other_analyst, reviewer
):
    dump = write_dump(tmp_path / "dump", IMPORTED)
    for sample in SAMPLES.glob("*.txt"):  # articles being annotated come again: duplicates
        shutil.copy(sample, dump / f"again_{sample.name}")
    annotated = [samples["000"].pk, samples["001"].pk]
    workers = Workers(tmp_path)
    for seed, (username, article) in enumerate(zip(["alice", "bob"], annotated, strict=True)):
        workers.start(
            role="analyst",
            username=username,
            keys=username,
            article=article,
            seed=seed,
            ops=5000,
            seconds=240,
        )
    workers.start(
        role="reviewer",
        username="rita",
        analysts=["alice", "bob"],
        articles=annotated,
        seed=9,
        ops=5000,
        seconds=240,
    )
    workers.release()
    started = time.monotonic()
    try:
        imported = subprocess.run(
            [sys.executable, "manage.py", "import_articles", str(dump), "--workers", "2"],
            cwd=settings.BASE_DIR,
            env=env(),
            capture_output=True,
            text=True,
            timeout=HANG,
        )
    finally:
        workers.stop.touch()
    assert time.monotonic() - started < HANG
    results = workers.results()
    assert imported.returncode == 0, imported.stderr

    assert sum(r["ops"] for r in results) > 50, "the annotation did not overlap the import"
    batch = ImportBatch.objects.order_by("-id").first()
    assert (batch.status, batch.added, batch.duplicates) == ("finished", IMPORTED, 4)
    assert Article.objects.count() == 4 + IMPORTED
    assert Article.objects.values("content_hash").distinct().count() == 4 + IMPORTED
    assert Mention.objects.values("article").distinct().count() == 4 + IMPORTED
    assert not Annotation.objects.exclude(article_id__in=annotated).exists()
    assert User.objects.count() == 3
    assert_history_is_one_chain_per_annotation()
    assert_writes_match_history(results)
    assert_reviewed_articles_wait_for_nothing()
