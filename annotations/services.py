"""Writes to annotations: create, edit, delete, restore, undo, review, mark done.

Every change is recorded as an AnnotationEvent with the state before and after, inside
the same transaction as the change itself.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.models import (
    Annotation,
    AnnotationEvent,
    Assignment,
    ClaimSource,
    Label,
    Suggestion,
    SuggestionDismissal,
)
from articles.models import AnnotationStatus, Article, Entity

SPEAKER_ENTITY_KINDS = (Entity.Kind.PERSON, Entity.Kind.ORGANISATION)


class AnnotationError(Exception):
    """A rule was broken; fields maps input names to messages."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotAllowed(AnnotationError):
    """The user may not change this annotation."""


class Conflict(AnnotationError):
    """The annotation changed since the client read it (stale version)."""

    def __init__(self, current: Annotation) -> None:
        super().__init__(
            f"This annotation was changed by {current_editor(current)} since you loaded it "
            f"(version {current.version}); it has been reloaded.",
        )
        self.current = current


def current_editor(annotation: Annotation) -> str:
    """Return the name of whoever last changed an annotation."""
    event = annotation.events.select_related("actor").first()
    return event.actor.get_username() if event else "someone"


@dataclass
class SourceLink:
    span: Annotation | None = None
    entity: Entity | None = None


@dataclass
class Changes:
    """Fields a create or update sets; None means 'leave as is' on update."""

    label: Label | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None
    entity: Entity | None = None
    note: str | None = None
    speaker: Annotation | None = None
    speaker_entity: Entity | None = None
    speaker_anonymous: bool | None = None
    speaker_description: str | None = None
    sources: list[SourceLink] | None = None
    clear: set[str] = field(default_factory=set)  # nullable fields to set to None


def snapshot(annotation: Annotation) -> dict[str, Any]:
    """Return the annotation's state as plain JSON (history, API, export)."""
    return {
        "id": annotation.pk,
        "article": annotation.article_id,
        "label": annotation.label_id,
        "start": annotation.start,
        "end": annotation.end,
        "text": annotation.text,
        "annotator": annotation.annotator_id,
        "entity": annotation.entity_id,
        "note": annotation.note,
        "origin": annotation.origin,
        "status": annotation.status,
        "speaker": annotation.speaker_id,
        "speaker_entity": annotation.speaker_entity_id,
        "speaker_anonymous": annotation.speaker_anonymous,
        "speaker_description": annotation.speaker_description,
        "sources": [{"span": s.span_id, "entity": s.entity_id} for s in annotation.sources.all()],
        "reviewed_by": annotation.reviewed_by_id,
        "review_comment": annotation.review_comment,
        "version": annotation.version,
        "deleted": annotation.deleted_at is not None,
    }


def can_edit(user: AbstractBaseUser, annotation: Annotation) -> bool:
    """Return whether user may change the annotation: its annotator, or a reviewer."""
    return annotation.annotator_id == user.pk or user.has_perm("accounts.review")


def _record(
    annotation: Annotation,
    actor: AbstractBaseUser,
    action: str,
    before: dict | None,
    *,
    undone: bool = False,
) -> AnnotationEvent:
    return AnnotationEvent.objects.create(
        annotation=annotation,
        article_id=annotation.article_id,
        actor=actor,
        action=action,
        before=before,
        after=snapshot(annotation),
        undone=undone,
    )


def _validate(annotation: Annotation, sources: list[SourceLink] | None) -> None:
    """Check offsets, text and links against the article; raise AnnotationError."""
    body = annotation.article.body
    if not 0 <= annotation.start < annotation.end <= len(body):
        raise AnnotationError(
            f"offsets must satisfy 0 <= start < end <= {len(body)} (the body's length)",
            {"start": "out of range", "end": "out of range"},
        )
    if annotation.text != body[annotation.start : annotation.end]:
        raise AnnotationError(
            "text does not match the article at these offsets (is the unit UTF-16?)",
            {"text": f"expected {body[annotation.start : annotation.end]!r}"},
        )
    kind = annotation.label.kind
    for name in ("entity", "speaker_entity"):
        linked = getattr(annotation, name) if getattr(annotation, f"{name}_id") else None
        if linked is not None and linked.merged_into_id:
            survivor = linked.merged_into
            raise AnnotationError(
                f"{linked.name} was merged into {survivor.name}: link to that entity",
                {name: f"merged into entity {survivor.pk}"},
            )
    if annotation.entity_id:
        allowed = {
            Label.Kind.SPEAKER: SPEAKER_ENTITY_KINDS,
            Label.Kind.SOURCE: (Entity.Kind.OUTLET,),
        }.get(kind)
        if allowed is None:
            raise AnnotationError(
                "only speaker and source spans link to an entity", {"entity": "not allowed"}
            )
        if annotation.entity.kind not in allowed:
            raise AnnotationError(
                f"a {kind} span links to a {' or '.join(allowed)} entity",
                {"entity": f"{annotation.entity.name} is a {annotation.entity.kind}"},
            )
    is_claim = kind == Label.Kind.CLAIM
    has_speaker = annotation.speaker_id or annotation.speaker_entity_id
    if not is_claim and (has_speaker or annotation.speaker_anonymous or sources):
        raise AnnotationError("only claims have a speaker and sources", {"label": "not a claim"})
    if annotation.speaker_id:
        speaker = annotation.speaker
        if speaker.article_id != annotation.article_id or speaker.deleted_at:
            raise AnnotationError("the speaker span must be in the same article", {"speaker": "x"})
        if speaker.label.kind != Label.Kind.SPEAKER:
            raise AnnotationError(
                "the speaker link must point at a span labelled as a speaker",
                {"speaker": f"that span is a {speaker.label.name}"},
            )
    speaker_entity = annotation.speaker_entity if annotation.speaker_entity_id else None
    if speaker_entity and speaker_entity.kind not in SPEAKER_ENTITY_KINDS:
        raise AnnotationError(
            "a speaker is a person or an organisation",
            {"speaker_entity": f"{speaker_entity.name} is a {speaker_entity.kind}"},
        )
    if annotation.speaker_anonymous and has_speaker:
        raise AnnotationError(
            "an anonymous speaker has a description, not a span or entity",
            {"speaker_anonymous": "conflicts with speaker"},
        )
    for link in sources or []:
        if link.span is None and link.entity is None:
            raise AnnotationError("a source needs a span or an entity", {"sources": "empty"})
        if link.span is not None:
            if link.span.article_id != annotation.article_id or link.span.deleted_at:
                raise AnnotationError("source spans must be in the same article", {"sources": "x"})
            if link.span.label.kind != Label.Kind.SOURCE:
                raise AnnotationError(
                    "a source link must point at a span labelled as a source",
                    {"sources": f"that span is a {link.span.label.name}"},
                )
        if link.entity is not None and link.entity.kind != Entity.Kind.OUTLET:
            raise AnnotationError(
                "a source entity is an outlet", {"sources": f"{link.entity.name} is not an outlet"}
            )


def _set_sources(annotation: Annotation, sources: list[SourceLink]) -> None:
    annotation.sources.all().delete()
    ClaimSource.objects.bulk_create(
        ClaimSource(claim=annotation, span=s.span, entity=s.entity) for s in sources
    )


def _apply(annotation: Annotation, changes: Changes) -> None:
    for name in (
        "label",
        "start",
        "end",
        "text",
        "entity",
        "note",
        "speaker",
        "speaker_entity",
        "speaker_anonymous",
        "speaker_description",
    ):
        value = getattr(changes, name)
        if value is not None:
            setattr(annotation, name, value)
    for name in changes.clear:
        setattr(annotation, name, None)


def _touch_article(article: Article) -> None:
    """Mark an article in progress when it gets its first annotation."""
    Article.objects.filter(pk=article.pk, annotation_status=AnnotationStatus.NOT_STARTED).update(
        annotation_status=AnnotationStatus.IN_PROGRESS
    )


@transaction.atomic
def annotation_create(
    *,
    user: AbstractBaseUser,
    article: Article,
    changes: Changes,
    client_key: uuid.UUID | None = None,
    origin: str = Annotation.Origin.MANUAL,
    suggestion: Suggestion | None = None,
) -> tuple[Annotation, bool]:
    """Return (annotation, created); a repeated client_key returns the first one unchanged."""
    if client_key is not None:
        existing = Annotation.objects.filter(annotator=user, client_key=client_key).first()
        if existing is not None:
            return existing, False
    if changes.label is None or changes.start is None or changes.end is None:
        raise AnnotationError("label, start and end are required", {"label": "required"})
    annotation = Annotation(
        article=article,
        annotator=user,
        origin=origin,
        suggestion=suggestion,
        client_key=client_key,
        text=changes.text if changes.text is not None else "",
    )
    _apply(annotation, changes)
    _validate(annotation, changes.sources)
    try:
        # A savepoint, so a double click racing this one leaves the transaction usable.
        with transaction.atomic():
            annotation.save()
    except IntegrityError:
        existing = Annotation.objects.filter(annotator=user, client_key=client_key).first()
        if existing is None:
            raise
        return existing, False
    if changes.sources:
        _set_sources(annotation, changes.sources)
    _record(annotation, user, AnnotationEvent.Action.CREATE, None)
    _touch_article(article)
    return annotation, True


def _locked(annotation: Annotation) -> Annotation:
    return (
        Annotation.objects.select_for_update(of=("self",))
        .select_related("article", "label")
        .get(pk=annotation.pk)
    )


@transaction.atomic
def annotation_update(
    *, user: AbstractBaseUser, annotation: Annotation, version: int, changes: Changes
) -> Annotation:
    """Return the annotation after applying changes; a stale version raises Conflict."""
    annotation = _locked(annotation)
    if not can_edit(user, annotation):
        raise NotAllowed("you can only change your own annotations")
    if annotation.deleted_at:
        raise AnnotationError("this annotation was deleted; undo the delete first")
    if version != annotation.version:
        raise Conflict(annotation)
    before = snapshot(annotation)
    _apply(annotation, changes)
    _validate(annotation, changes.sources)
    annotation.version += 1
    annotation.save()
    if changes.sources is not None:
        _set_sources(annotation, changes.sources)
    _record(annotation, user, AnnotationEvent.Action.UPDATE, before)
    return annotation


@transaction.atomic
def annotation_delete(
    *, user: AbstractBaseUser, annotation: Annotation, version: int
) -> Annotation:
    """Delete an annotation reversibly (it stays, marked deleted, for undo and history)."""
    annotation = _locked(annotation)
    if not can_edit(user, annotation):
        raise NotAllowed("you can only delete your own annotations")
    if version != annotation.version:
        raise Conflict(annotation)
    if annotation.deleted_at:
        return annotation
    before = snapshot(annotation)
    annotation.deleted_at = timezone.now()
    annotation.version += 1
    annotation.save()
    _record(annotation, user, AnnotationEvent.Action.DELETE, before)
    return annotation


@transaction.atomic
def annotation_restore(*, user: AbstractBaseUser, annotation: Annotation) -> Annotation:
    """Bring a deleted annotation back."""
    annotation = _locked(annotation)
    if not can_edit(user, annotation):
        raise NotAllowed("you can only restore your own annotations")
    if annotation.deleted_at is None:
        return annotation
    before = snapshot(annotation)
    annotation.deleted_at = None
    annotation.version += 1
    annotation.save()
    _record(annotation, user, AnnotationEvent.Action.RESTORE, before)
    return annotation


@transaction.atomic
def annotation_undo(*, user: AbstractBaseUser, article: Article) -> AnnotationEvent | None:
    """Reverse the user's last change in an article; return the reversed event, or None.

    The history lives in the database, so undo works after a reload too. A reversal is
    recorded (marked undone, so the next undo goes one step further back).
    """
    event = (
        AnnotationEvent.objects.select_for_update()
        .filter(actor=user, article=article, undone=False)
        .exclude(action__in=[AnnotationEvent.Action.ACCEPT, AnnotationEvent.Action.REJECT])
        .order_by("-at", "-id")
        .first()
    )
    if event is None:
        return None
    annotation = _locked(event.annotation)
    # Someone else (a reviewer, an admin) changed it after you: undoing your step would
    # silently throw their change away.
    if (
        AnnotationEvent.objects.filter(annotation=annotation, id__gt=event.id)
        .exclude(actor=user)
        .exists()
    ):
        raise Conflict(annotation)
    before = snapshot(annotation)
    if event.action in (AnnotationEvent.Action.CREATE, AnnotationEvent.Action.RESTORE):
        annotation.deleted_at = timezone.now()
        action = AnnotationEvent.Action.DELETE
    elif event.action == AnnotationEvent.Action.DELETE:
        annotation.deleted_at = None
        action = AnnotationEvent.Action.RESTORE
    else:
        _revert_fields(annotation, event.before or {})
        action = AnnotationEvent.Action.UPDATE
    annotation.version += 1
    annotation.save()
    if event.action == AnnotationEvent.Action.UPDATE and event.before is not None:
        _set_sources(
            annotation,
            [
                SourceLink(
                    span=Annotation.objects.filter(pk=s["span"]).first() if s["span"] else None,
                    entity=Entity.objects.filter(pk=s["entity"]).first() if s["entity"] else None,
                )
                for s in event.before.get("sources", [])
            ],
        )
    event.undone = True
    event.save(update_fields=["undone"])
    _record(annotation, user, action, before, undone=True)
    return event


def _revert_fields(annotation: Annotation, state: dict[str, Any]) -> None:
    """Set an annotation's editable fields back to a snapshot."""
    for name in ("start", "end", "text", "note", "speaker_anonymous", "speaker_description"):
        setattr(annotation, name, state[name])
    annotation.label_id = state["label"]
    annotation.entity_id = state["entity"]
    annotation.speaker_id = state["speaker"]
    annotation.speaker_entity_id = state["speaker_entity"]


@transaction.atomic
def article_mark_done(*, user: AbstractBaseUser, article: Article) -> Assignment:
    """Mark the user's work on an article done: it moves to the review queue."""
    assignment, _ = Assignment.objects.get_or_create(article=article, analyst=user)
    assignment.done_at = timezone.now()
    assignment.save(update_fields=["done_at"])
    # Locked in id order, as accepting all does, so that the two cannot deadlock.
    drafts = (
        Annotation.objects.live()
        .filter(article=article, annotator=user, status=Annotation.Status.DRAFT)
        .select_for_update(of=("self",))
        .order_by("id")
        .values_list("pk", flat=True)
    )
    submitted = Annotation.objects.filter(pk__in=list(drafts)).update(
        status=Annotation.Status.SUBMITTED
    )
    articles = Article.objects.filter(pk=article.pk)
    if not submitted:  # nothing new to review: a reviewed article stays reviewed
        articles = articles.exclude(annotation_status=AnnotationStatus.REVIEWED)
    articles.update(annotation_status=AnnotationStatus.DONE)
    return assignment


@transaction.atomic
def suggestion_accept(*, user: AbstractBaseUser, suggestion: Suggestion) -> list[Annotation]:
    """Turn a suggested claim (with its speaker and source) into the user's annotations."""
    # The first label of each kind (by position): renaming or adding labels keeps working.
    labels: dict[str, Label] = {}
    for label in Label.objects.filter(kind__in=["claim", "speaker", "source"]).order_by(
        "position", "id"
    ):
        labels.setdefault(label.kind, label)
    if len(labels) < 3:
        raise AnnotationError("a claim, a speaker and a source label must exist")
    article = suggestion.article
    created: list[Annotation] = []

    def span(part: Suggestion, kind: str, **extra) -> Annotation:
        key = uuid.uuid5(uuid.NAMESPACE_OID, f"suggestion-{part.pk}-{user.pk}")
        annotation, made = annotation_create(
            user=user,
            article=article,
            changes=Changes(
                label=labels[kind], start=part.start, end=part.end, text=part.text, **extra
            ),
            client_key=key,
            origin=Annotation.Origin.SUGGESTION,
            suggestion=part,
        )
        if made:
            created.append(annotation)
        return annotation

    if suggestion.kind != Suggestion.Kind.CLAIM:
        kind_entity = {"entity": suggestion.entity} if suggestion.entity else {}
        span(suggestion, suggestion.kind, **kind_entity)
        return created
    speaker = suggestion.speaker
    source = suggestion.source
    speaker_span = None
    if speaker is not None and not speaker.anonymous:
        entity = (
            speaker.entity
            if speaker.entity and speaker.entity.kind in SPEAKER_ENTITY_KINDS
            else None
        )
        speaker_span = span(speaker, Label.Kind.SPEAKER, **({"entity": entity} if entity else {}))
    sources = []
    if source is not None:
        outlet = (
            source.entity if source.entity and source.entity.kind == Entity.Kind.OUTLET else None
        )
        sources.append(
            SourceLink(
                span=span(source, Label.Kind.SOURCE, **({"entity": outlet} if outlet else {}))
            )
        )
    extra: dict[str, Any] = {"sources": sources}
    if speaker_span is not None:
        extra["speaker"] = speaker_span
        if speaker_span.entity_id:
            extra["speaker_entity"] = speaker_span.entity
    elif speaker is not None and speaker.anonymous:
        extra["speaker_anonymous"] = True
        extra["speaker_description"] = speaker.text[:200]
    span(suggestion, Label.Kind.CLAIM, **extra)
    return created


def suggestion_dismiss(*, user: AbstractBaseUser, suggestion: Suggestion) -> None:
    """Hide a suggestion from this user."""
    SuggestionDismissal.objects.get_or_create(suggestion=suggestion, user=user)


def visible_annotations(
    user: AbstractBaseUser, article: Article, annotator_ids: Iterable[int] | None = None
):
    """Return the live annotations of an article this user sees (optionally by annotator)."""
    annotations = Annotation.objects.live().visible_to(user).filter(article=article)
    if annotator_ids is not None:
        annotations = annotations.filter(annotator_id__in=list(annotator_ids))
    return annotations


@transaction.atomic
def annotation_review(
    *, user: AbstractBaseUser, annotation: Annotation, accept: bool, comment: str = ""
) -> Annotation:
    """Accept or reject an annotation; a rejection goes back to its analyst with the comment."""
    annotation = _locked(annotation)
    if not user.has_perm("accounts.review"):
        raise NotAllowed("only reviewers review annotations")
    if annotation.deleted_at:
        raise AnnotationError("this annotation was deleted")
    if not accept and not comment.strip():
        raise AnnotationError("say why when rejecting", {"comment": "required"})
    before = snapshot(annotation)
    annotation.status = Annotation.Status.ACCEPTED if accept else Annotation.Status.REJECTED
    annotation.review_comment = comment.strip()
    annotation.reviewed_by = user
    annotation.reviewed_at = timezone.now()
    annotation.version += 1
    annotation.save()
    action = AnnotationEvent.Action.ACCEPT if accept else AnnotationEvent.Action.REJECT
    _record(annotation, user, action, before)
    _settle_article(annotation.article)
    return annotation


@transaction.atomic
def annotations_accept_all(
    *, user: AbstractBaseUser, article: Article, annotator: AbstractBaseUser
) -> int:
    """Accept every pending annotation of one analyst in an article; return how many."""
    # Lock them all first, in id order: one the analyst deletes meanwhile drops out (the
    # filter is re-checked on the locked row) instead of failing the whole batch.
    pending = (
        Annotation.objects.live()
        .filter(
            article=article,
            annotator=annotator,
            status__in=[Annotation.Status.SUBMITTED, Annotation.Status.DRAFT],
        )
        .select_for_update(of=("self",))
        .order_by("id")
    )
    count = 0
    for annotation in list(pending):
        annotation_review(user=user, annotation=annotation, accept=True)
        count += 1
    return count


def _settle_article(article: Article) -> None:
    """Mark an article reviewed once no submitted annotation waits in it."""
    # Lock the article before counting: marking done submits annotations and then updates
    # the article, so without the lock a review could count none waiting and then mark the
    # article reviewed just after they were submitted.
    Article.objects.select_for_update(no_key=True).filter(pk=article.pk).exists()
    waiting = Annotation.objects.live().filter(article=article, status=Annotation.Status.SUBMITTED)
    if not waiting.exists():
        Article.objects.filter(pk=article.pk, annotation_status=AnnotationStatus.DONE).update(
            annotation_status=AnnotationStatus.REVIEWED
        )


@transaction.atomic
def version_adopt(*, user: AbstractBaseUser, article: Article, annotator: AbstractBaseUser) -> int:
    """Accept one analyst's annotations of an article and reject the others'; return accepted."""
    accepted = 0
    others = (
        Annotation.objects.live()
        .filter(article=article)
        .exclude(status__in=[Annotation.Status.ACCEPTED, Annotation.Status.REJECTED])
        .select_for_update(of=("self",))  # all first, in id order: see annotations_accept_all
        .order_by("id")
    )
    for annotation in list(others):
        if annotation.annotator_id == annotator.pk:
            annotation_review(user=user, annotation=annotation, accept=True)
            accepted += 1
        else:
            annotation_review(
                user=user,
                annotation=annotation,
                accept=False,
                comment=f"{annotator.get_username()}'s version of this article was adopted",
            )
    return accepted


ASSIGN_LIMIT = 1000  # articles one assignment request may cover


@transaction.atomic
def articles_assign(
    *, by: AbstractBaseUser, analysts: list[AbstractBaseUser], article_ids: list[int]
) -> int:
    """Give each article to each analyst (two or more for agreement); return new assignments."""
    if not by.has_perm("accounts.review"):
        raise NotAllowed("only reviewers and admins assign articles")
    if not analysts:
        raise AnnotationError("choose at least one analyst", {"analysts": "required"})
    if len(article_ids) > ASSIGN_LIMIT:
        raise AnnotationError(f"at most {ASSIGN_LIMIT} articles at once", {"articles": "too many"})
    existing = set(
        Assignment.objects.filter(article_id__in=article_ids, analyst__in=analysts).values_list(
            "article_id", "analyst_id"
        )
    )
    new = [
        Assignment(article_id=article_id, analyst=analyst, assigned_by=by)
        for article_id in article_ids
        for analyst in analysts
        if (article_id, analyst.pk) not in existing
    ]
    Assignment.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def unassigned_article_ids(count: int) -> list[int]:
    """Return the ids of the oldest imported articles nobody has been given (copies folded)."""
    return list(
        Article.objects.filter(near_duplicate_of__isnull=True)
        .exclude(pk__in=Assignment.objects.values("article_id"))
        .order_by("created_at", "id")
        .values_list("id", flat=True)[: min(count, ASSIGN_LIMIT)]
    )
