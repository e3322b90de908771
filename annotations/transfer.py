"""Loading a JSON Lines export into another instance (the round trip of export_annotations).

Nothing in a record refers to database ids of the source instance except for display:
articles match by content hash, users by name, labels by name, entities by name and kind.
Timestamps, statuses and reviews are kept, so exporting again gives the same file.
"""

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from annotations.models import Annotation, AnnotationEvent, ClaimSource, Label
from articles.models import AnnotationStatus, Article, Entity


@dataclass
class ImportResult:
    created: int = 0
    existing: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


class _Skip(Exception):
    pass


class _Rollback(Exception):
    pass


def _time(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


class _Loader:
    def __init__(self) -> None:
        self.articles: dict[str, Article] = {}
        self.users: dict[str, User] = {}
        self.labels = {label.name: label for label in Label.objects.all()}
        self.entities: dict[tuple[str, str], Entity] = {}
        self.created: set[int] = set()  # annotations made by this run

    def article(self, data: dict) -> Article:
        key = data.get("content_hash") or ""
        if key not in self.articles:
            article = Article.objects.filter(content_hash=key).only("id", "body").first()
            if article is None:
                raise _Skip(f"no article with content hash {key[:12]}… ({data.get('title')!r})")
            self.articles[key] = article
        return self.articles[key]

    def user(self, name: str | None) -> User | None:
        if not name:
            return None
        if name not in self.users:
            user = User.objects.filter(username=name).first()
            if user is None:
                raise _Skip(f"no user named {name!r}")
            self.users[name] = user
        return self.users[name]

    def label(self, name: str) -> Label:
        if name not in self.labels:
            raise _Skip(f"no label named {name!r}")
        return self.labels[name]

    def entity(self, data: dict | None) -> Entity | None:
        if not data:
            return None
        key = (data["name"], data["kind"])
        if key not in self.entities:
            entity = Entity.objects.filter(
                name=data["name"], kind=data["kind"], merged_into__isnull=True
            ).first()
            if entity is None:
                raise _Skip(f"no {data['kind']} entity named {data['name']!r}")
            self.entities[key] = entity
        return self.entities[key]

    def span(
        self,
        record: dict,
        article: Article,
        *,
        label: Label,
        entity: Entity | None,
        annotator: User,
        **fields: Any,
    ) -> tuple[Annotation, bool]:
        """Return the annotation at these offsets (found or made), and whether it is new."""
        start, end, text = record["start"], record["end"], record["text"]
        if article.body[start:end] != text:
            raise _Skip(f"text {text[:20]!r} is not at {start}:{end} of the matched article")
        existing = (
            Annotation.objects.live()
            .filter(article=article, annotator=annotator, label=label, start=start, end=end)
            .first()
        )
        if existing is not None:
            return existing, False
        annotation = Annotation.objects.create(
            article=article,
            label=label,
            start=start,
            end=end,
            text=text,
            annotator=annotator,
            entity=entity,
            **fields,
        )
        self.created.add(annotation.pk)
        return annotation, True


def annotations_import(lines: Iterable[str], *, dry_run: bool = False) -> ImportResult:
    """Load exported records; return what was created and what could not be matched."""
    result = ImportResult()
    try:
        with transaction.atomic():
            loader = _Loader()
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    with transaction.atomic():
                        _load(loader, json.loads(line), result)
                except _Skip as skip:
                    result.problems.append((number, str(skip)))
                except (KeyError, TypeError, ValueError) as error:
                    result.problems.append((number, f"malformed record: {error!r}"))
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result


def _load(loader: _Loader, record: dict, result: ImportResult) -> None:
    article = loader.article(record["article"])
    annotator = loader.user(record["annotator"])
    label = loader.label(record["label"])
    fields = {
        "note": record.get("note") or "",
        "status": record["status"],
        "origin": record.get("origin") or Annotation.Origin.MANUAL,
        "reviewed_by": loader.user(record.get("reviewer")),
        "reviewed_at": _time(record.get("reviewed_at")),
        "review_comment": record.get("review_comment") or "",
    }
    speaker = record.get("speaker") or None
    sources = record.get("sources") or []
    if speaker is not None:
        fields["speaker_anonymous"] = bool(speaker.get("anonymous"))
        fields["speaker_description"] = speaker.get("description") or ""
        speaker_entity = loader.entity(speaker.get("entity"))
        if speaker.get("text") is not None:
            fields["speaker"] = _part(
                loader, speaker, "Speaker", speaker_entity, article, annotator, record, result
            )
        elif speaker_entity is not None:
            fields["speaker_entity"] = speaker_entity
    links = []
    for source in sources:
        entity = loader.entity(source.get("entity"))
        if source.get("text") is not None:
            span = _part(loader, source, "Source", entity, article, annotator, record, result)
            links.append(ClaimSource(span=span))
        else:
            links.append(ClaimSource(entity=entity))
    entity = loader.entity(record.get("entity"))
    annotation, made = loader.span(
        record, article, label=label, entity=entity, annotator=annotator, **fields
    )
    if not made and annotation.pk in loader.created:
        # made earlier in this run as another record's speaker or source: this record is
        # its own, with its own fields and timestamps
        Annotation.objects.filter(pk=annotation.pk).update(
            entity=entity,
            created_at=_time(record["created_at"]),
            updated_at=_time(record["updated_at"]),
            **fields,
        )
        annotation.sources.all().delete()
        ClaimSource.objects.bulk_create(
            ClaimSource(claim=annotation, span=link.span, entity=link.entity) for link in links
        )
        return
    if made and links:
        for link in links:
            link.claim = annotation
        ClaimSource.objects.bulk_create(links)
    _stamp(annotation, record, made, result)
    if made:
        Article.objects.filter(
            pk=article.pk, annotation_status=AnnotationStatus.NOT_STARTED
        ).update(annotation_status=AnnotationStatus.IN_PROGRESS)


def _part(
    loader: _Loader,
    part: dict,
    default_label: str,
    entity: Entity | None,
    article: Article,
    annotator: User,
    record: dict,
    result: ImportResult,
) -> Annotation:
    """Return the speaker or source span a claim record carries (found or made)."""
    span, made = loader.span(
        part,
        article,
        label=loader.label(part.get("label") or default_label),
        entity=entity,
        annotator=annotator,
        status=record["status"],
    )
    _stamp(span, record, made, result)
    return span


def _stamp(annotation: Annotation, record: dict, made: bool, result: ImportResult) -> None:
    """Keep the exported timestamps and record the import in the history."""
    if not made:
        result.existing += 1
        return
    result.created += 1
    Annotation.objects.filter(pk=annotation.pk).update(
        created_at=_time(record["created_at"]), updated_at=_time(record["updated_at"])
    )
    AnnotationEvent.objects.create(
        annotation=annotation,
        article_id=annotation.article_id,
        actor=annotation.annotator,
        action=AnnotationEvent.Action.CREATE,
        before=None,
        after={"imported": True, "text": annotation.text},
        undone=True,
    )
