"""A write's response describes the state that write made, even when another lands right after.

The other writer runs in a thread with its own database connection, started the moment
the service call returns, and is given a second to land before the response is built.
Answered from a fresh read after the commit, a change could come back as a later state:
an update as "deleted", at a version the client then sent a delete from, which an
already deleted annotation accepts silently, with no event (the lost write the
concurrency test caught once).
"""

import threading
import time

import pytest
from django.db import connections

from annotations.api import views
from annotations.models import Annotation, AnnotationEvent
from annotations.services import (
    Changes,
    annotation_create,
    annotation_delete,
    annotation_restore,
    annotation_update,
)
from tests.annotations.test_api import QUOTE, create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reseeded_db")]


class Racer:
    """Runs a write in its own thread and connection right after the request's own write."""

    def __init__(self, write) -> None:
        self.write = write
        self.thread: threading.Thread | None = None
        self.outcome = "not run"

    def after(self, service):
        def wrapped(**kwargs):
            result = service(**kwargs)
            self.thread = threading.Thread(target=self._run, args=(result,))
            self.thread.start()
            self.thread.join(timeout=1)  # lands now, unless the row is still locked
            return result

        return wrapped

    def _run(self, annotation) -> None:
        try:
            self.write(annotation)
            self.outcome = "done"
        except Exception as error:  # reported by the test's assertion
            self.outcome = repr(error)
        finally:
            connections.close_all()  # this thread's connection

    def finish(self) -> str:
        assert self.thread is not None, "the request's own write never ran"
        self.thread.join(timeout=30)
        return self.outcome


def test_an_update_is_answered_with_its_own_version_not_a_later_delete(
    alice_api, samples, labels, analyst, monkeypatch
):
    created = create(alice_api, samples["000"], labels["claim"], QUOTE).json()
    pk = created["id"]
    racer = Racer(
        lambda annotation: annotation_delete(
            user=analyst, annotation=annotation, version=annotation.version
        )
    )
    monkeypatch.setattr(views, "annotation_update", racer.after(annotation_update))

    response = alice_api.patch(
        f"/api/v1/annotations/{pk}/", {"version": 1, "note": "mine"}, format="json"
    )
    assert racer.finish() == "done"
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["note"], body["deleted"]) == (2, "mine", False)

    # The client's next write starts from the version it was given, and hears of the delete.
    stale = alice_api.delete(f"/api/v1/annotations/{pk}/?version={body['version']}")
    assert stale.status_code == 409, stale.content
    assert stale.json()["current"]["deleted"] is True
    actions = AnnotationEvent.objects.filter(annotation_id=pk).order_by("id")
    assert [e.action for e in actions] == ["create", "update", "delete"]


def test_a_restore_is_answered_with_its_own_version_not_a_later_delete(
    alice_api, samples, labels, analyst, monkeypatch
):
    pk = create(alice_api, samples["000"], labels["claim"], QUOTE).json()["id"]
    assert alice_api.delete(f"/api/v1/annotations/{pk}/?version=1").status_code == 204
    racer = Racer(
        lambda annotation: annotation_delete(
            user=analyst, annotation=annotation, version=annotation.version
        )
    )
    monkeypatch.setattr(views, "annotation_restore", racer.after(annotation_restore))

    response = alice_api.post(f"/api/v1/annotations/{pk}/restore/")
    assert racer.finish() == "done"
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["deleted"]) == (3, False)


def test_a_create_is_answered_with_the_version_it_made(
    alice_api, samples, labels, analyst, monkeypatch
):
    def update_once_visible(result: tuple[Annotation, bool]) -> None:
        annotation, _ = result
        # The new row is invisible to other connections until the request commits.
        for _ in range(100):
            found = Annotation.objects.filter(pk=annotation.pk).first()
            if found is not None:
                annotation_update(
                    user=analyst, annotation=found, version=1, changes=Changes(note="theirs")
                )
                return
            time.sleep(0.05)
        raise AssertionError("the created annotation never became visible")

    racer = Racer(update_once_visible)
    monkeypatch.setattr(views, "annotation_create", racer.after(annotation_create))

    response = create(alice_api, samples["000"], labels["claim"], QUOTE)
    assert racer.finish() == "done"
    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["note"]) == (1, "")
    stale = alice_api.patch(
        f"/api/v1/annotations/{body['id']}/", {"version": 1, "note": "mine"}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["current"]["note"] == "theirs"
