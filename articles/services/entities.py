"""Writes to entities and aliases: the lexicon seed, alias edits, merges and counters."""

from collections import Counter
from collections.abc import Iterable
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import Protocol

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models, transaction
from django.utils import timezone

from articles.models import Alias, Entity, EntityMerge, Mention
from articles.pipeline.entities import AliasIndex, NewAlias, NewEntity
from articles.pipeline.entities import Mention as FoundMention
from articles.pipeline.lexicon import load_lexicon
from articles.pipeline.normalize import match_key
from articles.pipeline.scripts import to_simplified


def alias_key(name: str) -> str:
    """Return the normalised form under which an alias is unique."""
    return to_simplified(match_key(name)).strip()


@transaction.atomic
def lexicon_load(path: Path | None = None) -> tuple[int, int]:
    """Add lexicon entities and aliases missing from the database; return (entities, aliases).

    The database is the truth once seeded: existing entities and aliases are never
    changed, so edits made in the admin survive a reload. Written in bulk (~10 queries
    for ~300 entities; one by one it took 1.6 s, at every first import and in every
    test that imports), and a row another process added meanwhile is left as it is.
    """
    entries = load_lexicon(path)
    live = Entity.objects.filter(merged_into__isnull=True, name__in={e.name for e in entries})
    ids = {(name, kind): pk for pk, name, kind in live.values_list("pk", "name", "kind")}
    entities_before = len(ids)
    taken = set(Alias.objects.values_list("normalized", flat=True))
    aliases_before = len(taken)
    Entity.objects.bulk_create(
        [
            Entity(
                name=entry.name,
                kind=entry.kind,
                latin_name=entry.latin,
                description=entry.description,
                origin=Entity.Origin.LEXICON,
            )
            for entry in entries
            if (entry.name, entry.kind) not in ids
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    ids = {(name, kind): pk for pk, name, kind in live.values_list("pk", "name", "kind")}
    new_aliases = []
    for entry in entries:
        for surface in (entry.name, *entry.aliases):
            key = alias_key(surface)
            if key and key not in taken:
                taken.add(key)
                new_aliases.append(
                    Alias(
                        entity_id=ids[entry.name, entry.kind],
                        name=surface,
                        normalized=key,
                        origin=Alias.Origin.LEXICON,
                    )
                )
    Alias.objects.bulk_create(new_aliases, ignore_conflicts=True, batch_size=1000)
    return len(ids) - entities_before, Alias.objects.count() - aliases_before


def alias_index() -> AliasIndex:
    """Return the alias index built from the database (entity keys are entity ids)."""
    rows = Alias.objects.filter(entity__merged_into__isnull=True).values_list(
        "name", "entity_id", "entity__kind", "entity__latin_name"
    )
    return AliasIndex((name, str(entity_id), kind, latin) for name, entity_id, kind, latin in rows)


class EntityError(ValueError):
    """A rule about entities or aliases was broken; the message says which."""


@transaction.atomic
def alias_add(*, entity: Entity, name: str) -> Alias:
    """Return a new alias of entity; refuses a form that already names an entity."""
    name = name.strip()
    key = alias_key(name)
    if not key:
        raise EntityError("an alias needs at least one character")
    if len(name) > 200:
        raise EntityError("an alias has at most 200 characters")
    taken = Alias.objects.filter(normalized=key).select_related("entity").first()
    if taken:
        raise EntityError(f"{name!r} already names {taken.entity.name} (#{taken.entity_id})")
    return Alias.objects.create(
        entity=entity, name=name, normalized=key, origin=Alias.Origin.MANUAL
    )


@transaction.atomic
def alias_delete(*, alias: Alias) -> None:
    """Delete an alias; an entity keeps at least its canonical name."""
    if alias.normalized == alias_key(alias.entity.name):
        raise EntityError("the canonical name cannot be removed; rename the entity instead")
    alias.delete()


@transaction.atomic
def entity_merge(*, survivor: Entity, merged: Entity, user: AbstractBaseUser | None) -> EntityMerge:
    """Merge one entity into another: aliases, mentions and the links to it move; it is recorded."""
    survivor = Entity.objects.select_for_update().get(pk=survivor.pk)
    merged = Entity.objects.select_for_update().get(pk=merged.pk)
    if survivor.pk == merged.pk:
        raise EntityError("an entity cannot be merged into itself")
    if survivor.merged_into_id or merged.merged_into_id:
        raise EntityError("one of these entities was already merged away")
    if survivor.kind != merged.kind:
        # A speaker span on an outlet, a source on a person: the links that move would break
        raise EntityError(
            f"{merged.name} is a {merged.get_kind_display()} and {survivor.name} a "
            f"{survivor.get_kind_display()}: only entities of one kind merge (correct the "
            "kind in the admin first)"
        )
    snapshot = {
        "name": merged.name,
        "latin_name": merged.latin_name,
        "kind": merged.kind,
        "description": merged.description,
        "origin": merged.origin,
        "aliases": list(merged.aliases.values_list("name", flat=True)),
    }
    aliases_moved = merged.aliases.update(entity=survivor)
    # A span both entities claimed would break the mention unique constraint once moved;
    # the survivor's copy is kept.
    Mention.objects.filter(
        entity=merged,
        article__mentions__entity=survivor,
        start=models.F("article__mentions__start"),
        end=models.F("article__mentions__end"),
    ).delete()
    mentions_moved = Mention.objects.filter(entity=merged).update(entity=survivor)
    _annotation_links_move(merged, survivor)
    if not survivor.latin_name and merged.latin_name:
        survivor.latin_name = merged.latin_name
        survivor.save(update_fields=["latin_name"])
    Entity.objects.filter(merged_into=merged).update(merged_into=survivor)
    merged.merged_into = survivor
    merged.mention_count = merged.article_count = 0
    merged.save(update_fields=["merged_into", "mention_count", "article_count"])
    entity_counts_refresh([survivor.pk])
    return EntityMerge.objects.create(
        survivor=survivor,
        merged=merged,
        merged_by=user if user and user.pk else None,
        aliases_moved=aliases_moved,
        mentions_moved=mentions_moved,
        snapshot=snapshot,
    )


def _annotation_links_move(merged: Entity, survivor: Entity) -> None:
    """Point the annotations and suggestions that link to merged at survivor.

    A span may not link to an entity merged away: left as they were, such annotations
    could not be edited (not even their note), and suggestions naming it not accepted.
    """
    # the annotations app builds on this one
    from annotations.models import Annotation, ClaimSource, Suggestion

    now = timezone.now()
    Annotation.objects.filter(entity=merged).update(entity=survivor, updated_at=now)
    Annotation.objects.filter(speaker_entity=merged).update(speaker_entity=survivor, updated_at=now)
    ClaimSource.objects.filter(entity=merged).update(entity=survivor)
    Suggestion.objects.filter(entity=merged).update(entity=survivor)


def entity_counts_add(mentions: list[tuple[int, int]]) -> None:
    """Add new (article id, entity id) mentions to their entities' counters, in one statement."""
    entity_counts_change(
        Counter(entity for _, entity in mentions), Counter(entity for _, entity in set(mentions))
    )


def entity_counts_change(mentions: Counter, articles: Counter) -> None:
    """Add signed changes, by entity id, to entities' mention and article counters."""
    ids = sorted(
        entity
        for entity in mentions.keys() | articles.keys()
        if mentions[entity] or articles[entity]
    )
    if not ids:
        return
    # In a fixed order, so that concurrent writers cannot deadlock. The counters are a
    # cache of the mentions: one a hand edit left behind never goes below zero.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Entity._meta.db_table} AS e
            SET mention_count = GREATEST(0, e.mention_count + v.m),
                article_count = GREATEST(0, e.article_count + v.a)
            FROM unnest(%s::bigint[], %s::int[], %s::int[]) AS v(id, m, a)
            WHERE e.id = v.id
            """,  # noqa: S608 - the table name is ours, values are parameters
            [ids, [mentions[i] for i in ids], [articles[i] for i in ids]],
        )


def entity_counts_refresh(entity_ids: list[int]) -> None:
    """Recount the mention and article counters of some entities from the mentions."""
    for entity_id in sorted(entity_ids):
        mentions = Mention.objects.filter(entity_id=entity_id)
        Entity.objects.filter(pk=entity_id).update(
            mention_count=mentions.count(),
            article_count=mentions.values("article_id").distinct().count(),
        )


class Found(Protocol):
    """What the pipeline found in one article's text (Processed, Extraction)."""

    mentions: tuple[FoundMention, ...]
    new_entities: tuple[NewEntity, ...]
    new_aliases: tuple[NewAlias, ...]


MENTION_COLUMNS = ["article_id", "entity_id", "start", "end", "method"]  # of mention_rows
# A found mention's fields, for taking an article's mentions apart in C
_MENTION_START, _MENTION_END, _MENTION_ENTITY, _MENTION_METHOD = (
    attrgetter(name) for name in ("start", "end", "entity_key", "method")
)


class EntityResolver:
    """Database ids for the entity keys an extraction gives, making entities new names need.

    A known entity's key is its id ("123", as alias_index() gives them); a new name's key
    (new_entity_key) becomes the entity one of its spellings already names, or a new one,
    once a run. The keys resolved so far go with the transaction that made them:
    snapshot() before it, restore() if it rolls back.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}  # new-entity key -> id, for this run

    def snapshot(self) -> dict[str, int]:
        return dict(self._ids)

    def restore(self, snapshot: dict[str, int]) -> None:
        self._ids = snapshot

    def mention_rows(self, article_id: int, found: Found) -> list[tuple[int, int, int, int, str]]:
        """Return the (article id, entity id, start, end, method) rows of its mentions."""
        # ~90 mentions an article, of ~15 entities: each entity's id is worked out once, and
        # the rows are made in C. Mentions never overlap (extract_entities), so no two rows
        # are alike.
        mentions = found.mentions
        keys = list(map(_MENTION_ENTITY, mentions))
        ids = {key: self.entity_id(found, key) for key in set(keys)}
        return list(
            zip(
                repeat(article_id),
                map(ids.__getitem__, keys),
                map(_MENTION_START, mentions),
                map(_MENTION_END, mentions),
                map(_MENTION_METHOD, mentions),
            )
        )

    def entity_id(self, found: Found, key: str | None) -> int | None:
        """Return the database id of one of found's entity keys (creating new entities)."""
        if key is None:
            return None
        if key.isdigit():
            return int(key)
        new = next((n for n in found.new_entities if n.key == key), None)
        return self._new_entity_id(new) if new is not None else None

    def learn_aliases(self, founds: Iterable[Found]) -> None:
        """Store spellings the articles showed for known entities (e.g. a Latin-name match)."""
        surfaces: dict[str, tuple[int, str, str]] = {}
        for found in founds:
            for new in found.new_aliases:
                if new.entity_key.isdigit():
                    origin = Alias.Origin.LATIN if new.method == "latin" else Alias.Origin.EXTRACTED
                    surfaces.setdefault(
                        alias_key(new.surface), (int(new.entity_key), new.surface, origin)
                    )
        if not surfaces:
            return
        taken = set(
            Alias.objects.filter(normalized__in=list(surfaces)).values_list("normalized", flat=True)
        )
        Alias.objects.bulk_create(
            Alias(entity_id=entity_id, name=surface, normalized=key, origin=origin)
            for key, (entity_id, surface, origin) in surfaces.items()
            if key and key not in taken
        )

    def _new_entity_id(self, new: NewEntity) -> int:
        """Return the id of the entity a newly found name refers to, creating it if needed."""
        if new.key in self._ids:
            return self._ids[new.key]
        keys = [alias_key(surface) for surface in (new.name, *new.aliases)]
        existing = (
            Alias.objects.filter(normalized__in=keys, entity__merged_into__isnull=True)
            .values_list("entity_id", flat=True)
            .first()
        )
        if existing is None:
            entity, _ = Entity.objects.get_or_create(
                name=new.name,
                kind=new.kind,
                merged_into=None,
                defaults={"latin_name": new.latin, "origin": Entity.Origin.EXTRACTED},
            )
            existing = entity.pk
        taken = set(Alias.objects.filter(normalized__in=keys).values_list("normalized", flat=True))
        Alias.objects.bulk_create(
            Alias(entity_id=existing, name=surface, normalized=key, origin=Alias.Origin.EXTRACTED)
            for surface, key in zip((new.name, *new.aliases), keys, strict=True)
            if key and key not in taken and not taken.add(key)
        )
        self._ids[new.key] = existing
        return existing
