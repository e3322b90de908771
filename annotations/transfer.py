"""Loading a JSON Lines export into another instance (the round trip of export_annotations).

A record names no database id: articles match by content hash, users by name, labels by
name (and kind), entities by name and kind. Timestamps, statuses and reviews are kept, so
a spans export loaded into an instance with the same articles and users exports again to
the same bytes.

Records load in two passes inside one transaction. The first makes each record's own
annotation, in file order, so that the new ids keep the file's order (exports are ordered
by id); the second links the new claims to their speaker and source spans, which may come
later in the file, or not at all in a claims export (they are then made from what the
claim says of them). Each record of the first pass is a savepoint: a record that cannot be
matched is reported and leaves nothing behind; an error in the second pass, or anything
unexpected, rolls the whole import back.
"""

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import DatabaseError, transaction

from annotations.models import Annotation, AnnotationEvent, ClaimSource, Label
from articles.models import Alias, AnnotationStatus, Article, Entity
from articles.services import alias_key


@dataclass
class ImportResult:
    created: int = 0  # annotations made: records and the speaker/source spans they name
    existing: int = 0  # records whose annotation was already there
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, why not loaded)
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, loaded, but …)


class _Skip(Exception):
    """A record that cannot be matched in this instance; the message says why."""


class _Rollback(Exception):
    pass


@dataclass
class _Part:
    """A claim's speaker or source span as the record describes it, resolved."""

    label: Label
    start: int
    end: int
    text: str
    annotator: User
    entity: Entity | None
    deleted_at: datetime.datetime | None


@dataclass
class _Links:
    """What the second pass links a newly made claim to."""

    claim: Annotation
    status: str
    times: dict[str, datetime.datetime | None]  # the claim's, for spans made from it
    speaker: _Part | None
    speaker_entity: Entity | None
    sources: list[tuple[_Part | None, Entity | None]]


def _time(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _choice(value: Any, choices: type, name: str) -> str:
    if value not in choices.values:
        raise _Skip(f"{name} {value!r} is not one of {', '.join(choices.values)}")
    return value


def _offsets(article: Article, data: dict) -> tuple[int, int, str]:
    """Return a span's start, end and text, checked against the matched article."""
    start, end, text = data["start"], data["end"], data["text"]
    if not (isinstance(start, int) and isinstance(end, int) and isinstance(text, str)):
        raise TypeError("start and end must be integers, text a string")
    if not 0 <= start < end <= len(article.body) or article.body[start:end] != text:
        raise _Skip(f"text {text[:20]!r} is not at {start}:{end} of the matched article")
    return start, end, text


class _Loader:
    def __init__(self, result: ImportResult) -> None:
        self.result = result
        self.articles: dict[str, Article] = {}
        self.users: dict[str, User] = {}
        self.labels = {label.name: label for label in Label.objects.all()}
        self.entities: dict[tuple[str, str], Entity] = {}
        self.claimed: set[int] = set()  # annotations a record of this run matched or made
        self.touched: set[int] = set()  # articles that got annotations
        self.links: list[_Links] = []
        self.notes: list[str] = []  # the current record's

    def article(self, data: dict) -> Article:
        key = data["content_hash"]
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

    def label(self, name: str, kind: str | None) -> Label:
        label = self.labels.get(name)
        if label is None:
            raise _Skip(f"no label named {name!r}")
        if kind is not None and label.kind != kind:
            raise _Skip(f"label {name!r} is a {label.kind} label here, a {kind} label in the file")
        return label

    def part(self, data: dict, article: Article, kind: str, annotator: User) -> _Part | None:
        """Return a claim's speaker or source span, checked; None when it names no span."""
        if data.get("text") is None:
            return None
        start, end, text = _offsets(article, data)
        return _Part(
            label=self.label(data["label"], kind),
            start=start,
            end=end,
            text=text,
            annotator=self.user(data.get("annotator")) or annotator,
            entity=None,  # resolved last, see _first_pass
            deleted_at=_time(data.get("deleted_at")),
        )

    def entity(self, data: dict | None) -> Entity | None:
        """Return the entity a record names: by name and kind, by alias, or made here.

        Made rather than reported, so that no link is lost: the name, kind and Latin name
        are all an entity is in an export.
        """
        if not data:
            return None
        name, kind, latin = data["name"], data["kind"], data.get("latin") or ""
        _choice(kind, Entity.Kind, "entity kind")
        key = (name, kind)
        if key in self.entities:
            return self.entities[key]
        entity = Entity.objects.live().filter(name=name, kind=kind).first()
        if entity is None:
            # merged into another entity here, or known under another canonical name
            alias = (
                Alias.objects.filter(
                    normalized=alias_key(name),
                    entity__kind=kind,
                    entity__merged_into__isnull=True,
                )
                .select_related("entity")
                .first()
            )
            if alias is not None:
                entity = alias.entity
                self.notes.append(f"{kind} entity {name!r} matched {entity.name!r} by alias")
        if entity is None:
            entity = Entity.objects.create(
                name=name, kind=kind, latin_name=latin, origin=Entity.Origin.MANUAL
            )
            normalized = alias_key(name)
            if normalized and not Alias.objects.filter(normalized=normalized).exists():
                Alias.objects.create(
                    entity=entity, name=name, normalized=normalized, origin=Alias.Origin.MANUAL
                )
            self.notes.append(f"created {kind} entity {name!r}" + (f" ({latin})" if latin else ""))
        elif latin and not entity.latin_name:
            entity.latin_name = latin
            entity.save(update_fields=["latin_name"])
            self.notes.append(f"{kind} entity {entity.name!r} got the Latin name {latin!r}")
        elif latin and entity.latin_name != latin:
            self.notes.append(
                f"{kind} entity {entity.name!r} keeps its Latin name {entity.latin_name!r} "
                f"(the file says {latin!r})"
            )
        self.entities[key] = entity
        return entity

    def own(self, article: Article, annotator: User, label: Label, start: int, end: int):
        """Return the live annotation a record already has here and no other record took."""
        candidates = (
            Annotation.objects.live()
            .filter(article=article, annotator=annotator, label=label, start=start, end=end)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        return next((pk for pk in candidates if pk not in self.claimed), None)

    def span(self, part: _Part, links: _Links) -> Annotation:
        """Return a claim's speaker or source span: found here, or made from the claim's."""
        article = links.claim.article
        found = (
            Annotation.objects.filter(
                article=article,
                annotator=part.annotator,
                label=part.label,
                start=part.start,
                end=part.end,
                deleted_at=part.deleted_at,
            )
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found
        span = Annotation.objects.create(
            article=article,
            label=part.label,
            start=part.start,
            end=part.end,
            text=part.text,
            annotator=part.annotator,
            entity=part.entity,
            status=links.status,
            deleted_at=part.deleted_at,
        )
        _stamp(span, links.times)
        self.result.created += 1
        return span


def annotations_import(lines: Iterable[str], *, dry_run: bool = False) -> ImportResult:
    """Load exported records; return what was created and what could not be matched."""
    result = ImportResult()
    try:
        with transaction.atomic():
            loader = _Loader(result)
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                loader.notes = []
                try:
                    with transaction.atomic():
                        made = _first_pass(loader, json.loads(line))
                except _Skip as skip:
                    result.problems.append((number, str(skip)))
                except (KeyError, TypeError, ValueError, AttributeError) as error:
                    result.problems.append((number, f"malformed record: {error!r}"))
                except DatabaseError as error:
                    first_line = str(error).strip().split("\n")[0]
                    result.problems.append((number, f"cannot be stored: {first_line}"))
                else:
                    if made:
                        result.created += 1
                    else:
                        result.existing += 1
                    result.notes += [(number, note) for note in loader.notes]
                    continue
                # the savepoint took back what this record made, entities included
                loader.entities.clear()
            for links in loader.links:
                _second_pass(loader, links)
            Article.objects.filter(
                pk__in=loader.touched, annotation_status=AnnotationStatus.NOT_STARTED
            ).update(annotation_status=AnnotationStatus.IN_PROGRESS)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result


def _first_pass(loader: _Loader, record: dict) -> bool:
    """Make (or find) the record's own annotation; return whether it was made."""
    article = loader.article(record["article"])
    annotator = loader.user(record["annotator"])
    if annotator is None:
        raise _Skip("no annotator")
    label = loader.label(record["label"], record.get("kind"))
    start, end, text = _offsets(article, record)
    fields = {
        "note": record.get("note") or "",
        "status": _choice(record["status"], Annotation.Status, "status"),
        "origin": _choice(record.get("origin") or "manual", Annotation.Origin, "origin"),
        "reviewed_by": loader.user(record.get("reviewer")),
        "reviewed_at": _time(record.get("reviewed_at")),
        "review_comment": record.get("review_comment") or "",
    }
    times = {"created_at": _time(record["created_at"]), "updated_at": _time(record["updated_at"])}
    speaker = record.get("speaker") or None
    sources = record.get("sources") or []
    speaker_part = None
    if speaker is not None:
        fields["speaker_anonymous"] = bool(speaker.get("anonymous"))
        fields["speaker_description"] = speaker.get("description") or ""
        speaker_part = loader.part(speaker, article, Label.Kind.SPEAKER, annotator)
    source_parts = [loader.part(s, article, Label.Kind.SOURCE, annotator) for s in sources]
    for source, part in zip(sources, source_parts, strict=True):
        if part is None and not source.get("entity"):
            raise _Skip("a source with neither a span nor an entity")
    # Entities last: they are the only lookups that may write (an entity made here).
    entity = loader.entity(record.get("entity"))
    speaker_entity = loader.entity(speaker.get("entity")) if speaker is not None else None
    resolved = [
        (part, loader.entity(source.get("entity")))
        for part, source in zip(source_parts, sources, strict=True)
    ]
    for data, part in [(speaker, speaker_part), *zip(sources, source_parts, strict=True)]:
        if part is not None:
            # files written before span_entity existed name one entity for both
            part.entity = loader.entity(data.get("span_entity", data.get("entity")))

    existing = loader.own(article, annotator, label, start, end)
    if existing is not None:
        loader.claimed.add(existing)
        return False
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
    _stamp(annotation, times)
    loader.claimed.add(annotation.pk)
    loader.touched.add(article.pk)
    if speaker_part or speaker_entity or sources:
        loader.links.append(
            _Links(
                claim=annotation,
                status=fields["status"],
                times=times,
                speaker=speaker_part,
                speaker_entity=speaker_entity,
                sources=resolved,
            )
        )
    return True


def _second_pass(loader: _Loader, links: _Links) -> None:
    """Link a claim made by the first pass to its speaker and sources."""
    claim = links.claim
    speaker = loader.span(links.speaker, links) if links.speaker is not None else None
    if speaker is not None or links.speaker_entity is not None:
        Annotation.objects.filter(pk=claim.pk).update(
            speaker=speaker, speaker_entity=links.speaker_entity
        )
    ClaimSource.objects.bulk_create(
        ClaimSource(
            claim=claim,
            span=loader.span(part, links) if part is not None else None,
            entity=entity,
        )
        for part, entity in links.sources
    )


def _stamp(annotation: Annotation, times: dict[str, datetime.datetime | None]) -> None:
    """Keep the exported timestamps (auto_now set them to now) and record the import."""
    Annotation.objects.filter(pk=annotation.pk).update(**times)
    AnnotationEvent.objects.create(
        annotation=annotation,
        article_id=annotation.article_id,
        actor=annotation.annotator,
        action=AnnotationEvent.Action.CREATE,
        before=None,
        after={"imported": True, "text": annotation.text},
        undone=True,
    )
