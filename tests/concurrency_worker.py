"""One concurrent writer for tests/test_concurrency.py, run in its own process.

    python -m tests.concurrency_worker '{"role": "analyst", "username": "alice", ...}'

An analyst works through the REST API (create with client keys, edit and delete with the
version it last saw, undo, mark done); a reviewer through the review services (accept,
reject, accept all, adopt a version). Each worker has its own connection (DATABASE_URL),
waits for the go file so that all start at once, does at most `ops` operations for at most
`seconds` (or until the stop file appears), and prints one JSON line: what it did, what was
refused and why, and any unexpected error (a deadlock, a 500) as a failure.
"""

import json
import os
import random
import sys
import time
import traceback
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS = uuid.UUID("6f1c2a52-8d43-4a39-9b0e-3c5d2f7a9e10")  # namespace of the client keys


def client_key(namespace: str, index: int) -> uuid.UUID:
    """Return the index-th client key of a namespace (workers sharing one send the same)."""
    return uuid.uuid5(KEYS, f"{namespace}-{index}")


def span_for(namespace: str, index: int, body: str, labels: list[int]) -> dict:
    """Return the span the index-th create of a namespace sends (same key, same span)."""
    rng = random.Random(f"{namespace}-{index}")  # noqa: S311 - reproducible, not secret
    start = rng.randrange(0, len(body) - 20)
    end = start + rng.randint(2, 15)
    return {"start": start, "end": end, "text": body[start:end], "label": rng.choice(labels)}


class Worker:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.rng = random.Random(spec["seed"])  # noqa: S311 - reproducible, not secret
        self.done: dict[str, list] = {}
        self.refused: Counter = Counter()
        self.errors: list[str] = []

    def record(self, kind: str, item) -> None:
        self.done.setdefault(kind, []).append(item)

    def run(self) -> dict:
        go = Path(self.spec["go"])
        stop = Path(self.spec["stop"]) if self.spec.get("stop") else None
        print("ready", flush=True)
        waited = time.monotonic()
        while not go.exists():
            if time.monotonic() - waited > 120:
                raise TimeoutError("no go file")
            time.sleep(0.01)
        deadline = time.monotonic() + self.spec["seconds"]
        ops = 0
        while ops < self.spec["ops"] and time.monotonic() < deadline:
            if stop is not None and stop.exists():
                break
            ops += 1
            try:
                self.step()
            except Exception as error:  # a failure the test reports; keep going
                kind = "deadlock" if "deadlock detected" in str(error) else "exception"
                self.errors.append(f"{kind}: {error!r}\n{traceback.format_exc()}")
        return {
            "username": self.spec["username"],
            "ops": ops,
            "done": self.done,
            "refused": dict(self.refused),
            "errors": self.errors,
        }


class Analyst(Worker):
    """Annotates one article through the API, as the workspace page does."""

    def __init__(self, spec: dict) -> None:
        super().__init__(spec)
        from django.contrib.auth.models import User
        from rest_framework.test import APIClient

        from annotations.models import Label
        from articles.models import Article

        self.user = User.objects.get(username=spec["username"])
        self.api = APIClient()
        self.api.force_authenticate(self.user)
        self.article = Article.objects.get(pk=spec["article"])
        self.labels = sorted(
            Label.objects.filter(kind__in=["claim", "speaker", "source"]).values_list(
                "pk", flat=True
            )
        )
        self.versions: dict[int, int] = {}  # annotation id -> the version this worker saw
        self.next_key = 0
        self.token = 0

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.35 or not self.versions:
            self.create()
        elif roll < 0.70:
            self.update()
        elif roll < 0.85:
            self.delete()
        elif roll < 0.92:
            self.reload()
        elif roll < 0.97:
            self.undo()
        else:
            self.mark_done()

    def fail(self, what: str, response) -> None:
        self.errors.append(f"{what}: HTTP {response.status_code} {response.content[:500]!r}")

    def create(self) -> None:
        namespace = self.spec["keys"]
        index = self.next_key
        # Sometimes send the previous key again, as a double click or a retry would.
        if index and self.rng.random() < 0.2:
            index -= 1
        else:
            self.next_key += 1
        key = client_key(namespace, index)
        payload = {
            "article": self.article.pk,
            "client_key": str(key),
            **span_for(namespace, index, self.article.body, self.labels),
        }
        response = self.api.post("/api/v1/annotations/", payload, format="json")
        if response.status_code not in (200, 201):
            return self.fail("create", response)
        body = response.json()
        self.record("create", [str(key), body["id"], response.status_code == 201])
        if not body["deleted"]:
            self.versions[body["id"]] = body["version"]

    def update(self) -> None:
        pk, version = self.rng.choice(list(self.versions.items()))
        self.token += 1
        note = f"{self.spec['username']}/{os.getpid()}/{self.token}"
        response = self.api.patch(
            f"/api/v1/annotations/{pk}/", {"version": version, "note": note}, format="json"
        )
        if response.status_code == 200:
            self.record("update", [pk, version, note])
            self.versions[pk] = response.json()["version"]
        elif response.status_code == 409:
            self.refused["update: conflict"] += 1
            self.versions[pk] = response.json()["current"]["version"]
        elif response.status_code == 400 and "deleted" in response.json()["error"]["message"]:
            self.refused["update: deleted meanwhile"] += 1
            del self.versions[pk]
        else:
            self.fail("update", response)

    def delete(self) -> None:
        pk, version = self.rng.choice(list(self.versions.items()))
        response = self.api.delete(f"/api/v1/annotations/{pk}/?version={version}")
        if response.status_code == 204:
            self.record("delete", [pk, version])
            del self.versions[pk]
        elif response.status_code == 409:
            self.refused["delete: conflict"] += 1
            current = response.json()["current"]
            if current["deleted"]:
                del self.versions[pk]
            else:
                self.versions[pk] = current["version"]
        else:
            self.fail("delete", response)

    def reload(self) -> None:
        response = self.api.get(
            "/api/v1/annotations/", {"article": self.article.pk, "page_size": 1000}
        )
        if response.status_code != 200:
            return self.fail("list", response)
        self.versions = {a["id"]: a["version"] for a in response.json()["results"]}

    def undo(self) -> None:
        response = self.api.post(
            "/api/v1/annotations/undo/", {"article": self.article.pk}, format="json"
        )
        if response.status_code == 200:
            body = response.json()
            self.record("undo", [body["undone"], body["annotation"]])
            self.reload()
        elif response.status_code == 409:
            self.refused["undo: nothing to undo"] += 1
        else:
            self.fail("undo", response)

    def mark_done(self) -> None:
        response = self.api.post(
            "/api/v1/annotations/done/", {"article": self.article.pk}, format="json"
        )
        if response.status_code != 200:
            return self.fail("done", response)
        self.record("done", [self.article.pk])


class Reviewer(Worker):
    """Accepts, rejects, accepts all and adopts versions, through the review services."""

    def __init__(self, spec: dict) -> None:
        super().__init__(spec)
        from django.contrib.auth.models import User

        self.user = User.objects.get(username=spec["username"])
        self.analysts = list(User.objects.filter(username__in=spec["analysts"]))
        self.articles = spec["articles"]

    def step(self) -> None:
        from annotations.models import Annotation, AnnotationEvent
        from annotations.services import (
            AnnotationError,
            annotation_review,
            annotations_accept_all,
            version_adopt,
        )
        from articles.models import Article

        article = Article.objects.get(pk=self.rng.choice(self.articles))
        roll = self.rng.random()
        if roll < 0.15:
            analyst = self.rng.choice(self.analysts)
            count = annotations_accept_all(user=self.user, article=article, annotator=analyst)
            self.record("accept_all", [article.pk, analyst.pk, count])
            return
        if roll < 0.2:
            analyst = self.rng.choice(self.analysts)
            rejections = AnnotationEvent.objects.filter(actor=self.user, action="reject")
            before = rejections.count()  # this worker is the only one acting as this user
            count = version_adopt(user=self.user, article=article, annotator=analyst)
            self.record("adopt", [article.pk, analyst.pk, count, rejections.count() - before])
            return
        ids = list(Annotation.objects.live().filter(article=article).values_list("pk", flat=True))
        if not ids:
            time.sleep(0.01)
            return
        annotation = Annotation.objects.get(pk=self.rng.choice(ids))
        accept = self.rng.random() < 0.6
        try:
            annotation_review(
                user=self.user, annotation=annotation, accept=accept, comment="不准确"
            )
        except AnnotationError as error:
            if "deleted" not in error.message:
                raise
            self.refused["review: deleted meanwhile"] += 1
            return
        self.record("accept" if accept else "reject", [annotation.pk])


def main() -> None:
    spec = json.loads(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the API client's host, 'testserver', is allowed
    worker = (Analyst if spec["role"] == "analyst" else Reviewer)(spec)
    result = worker.run()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
