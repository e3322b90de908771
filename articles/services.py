"""Writes to articles, entities and aliases: the import and the lexicon seed."""

import datetime
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter, itemgetter
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from articles.models import Alias, Article, Entity, EntityMerge, ImportBatch, Mention
from articles.pipeline.dedupe import NEAR_DUPLICATE_THRESHOLD, estimated_similarity
from articles.pipeline.entities import AliasIndex
from articles.pipeline.lexicon import load_lexicon
from articles.pipeline.normalize import match_key
from articles.pipeline.process import Processed
from articles.pipeline.scripts import to_simplified
from articles.pipeline.sources import SourceError, iter_sources
from articles.pipeline.worker import collector_tuned, process_all

logger = logging.getLogger(__name__)

CHUNK_SIZE = 50  # articles written per transaction: a chunk is all in or all out
BAND_INDEX = "article_bands_gin"  # the GIN index on Article.minhash_bands
MAX_STORED_ERRORS = 10_000  # per batch; the count stays exact beyond it


def alias_key(name: str) -> str:
    """Return the normalised form under which an alias is unique."""
    return to_simplified(match_key(name)).strip()


# --- lexicon ---------------------------------------------------------------------------


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


# --- the import ------------------------------------------------------------------------


@dataclass
class ImportResult:
    """Counts of one import run; mirrored on its ImportBatch unless it was a dry run."""

    added: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    batch: ImportBatch | None = None

    def fail(self, name: str, reason: str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"file": name, "reason": reason})


def articles_import(
    *,
    paths: list[Path],
    outlet: str = "",
    published: datetime.date | None = None,
    dry_run: bool = False,
    workers: int = 1,
    user: AbstractBaseUser | None = None,
    run_by: str = "",
    arguments: list[str] | None = None,
    on_progress: Callable[[Processed | SourceError, str], None] | None = None,
) -> ImportResult:
    """Import the articles under paths; return the counts (stored on an ImportBatch).

    Articles are written in chunks, each in one transaction, so an interrupted run
    leaves whole articles only; the unique content hash makes a re-run skip them.
    """
    if not Entity.objects.filter(origin=Entity.Origin.LEXICON).exists():
        lexicon_load()
    result = ImportResult()
    if not dry_run:
        result.batch = ImportBatch.objects.create(
            started_by=user if user and user.pk else None,
            run_by=run_by,
            arguments=arguments or [],
        )
    writer = _Writer(result, outlet=outlet, published=published, dry_run=dry_run)
    try:
        with collector_tuned():
            _import_all(paths, writer, result, workers, on_progress)
    except BaseException:
        if result.batch:
            _finish(result, ImportBatch.Status.INTERRUPTED)
        raise
    if result.batch:
        _finish(result, ImportBatch.Status.FINISHED)
    return result


def _import_all(
    paths: list[Path],
    writer: "_Writer",
    result: ImportResult,
    workers: int,
    on_progress: Callable[[Processed | SourceError, str], None] | None,
) -> None:
    chunk: list[Processed] = []
    for item in process_all(iter_sources(paths), alias_index(), max(1, workers)):
        if isinstance(item, SourceError):
            result.fail(item.name, item.reason)
            outcome = "failed"
        else:
            chunk.append(item)
            outcome = "read"
            if len(chunk) >= CHUNK_SIZE:
                writer.write(chunk)
                chunk = []
        if on_progress:
            on_progress(item, outcome)
    if chunk:
        writer.write(chunk)


def _finish(result: ImportResult, status: str) -> None:
    batch = result.batch
    batch.status = status
    batch.finished_at = timezone.now()
    _copy_counts(result, batch)
    batch.save()


def _copy_counts(result: ImportResult, batch: ImportBatch) -> None:
    batch.added = result.added
    batch.duplicates = result.duplicates
    batch.near_duplicates = result.near_duplicates
    batch.failed = result.failed
    batch.errors = result.errors


class _Writer:
    """Stores processed articles chunk by chunk, deduplicating and resolving entities."""

    def __init__(
        self, result: ImportResult, *, outlet: str, published: datetime.date | None, dry_run: bool
    ) -> None:
        self.result = result
        self.outlet = outlet
        self.published = published
        self.dry_run = dry_run
        self.seen_hashes: set[str] = set()  # for dry runs, which store nothing
        self.entity_ids: dict[str, int] = {}  # new-entity key -> id, for this run
        self.lz4 = not dry_run and _lz4_available()
        self.skip_fk_triggers = not dry_run and _fk_triggers_skippable()
        self.clean_bands = not dry_run

    def write(self, chunk: list[Processed]) -> None:
        """Store a chunk in one transaction; on a race with another import, one by one."""
        if self.dry_run:
            self._count_dry(chunk)
            return
        try:
            self._store_atomically(chunk)
        except IntegrityError:
            # Another process stored one of these meanwhile, or deleted an entity they
            # mention: retry each article alone so that the others still go in.
            for processed in chunk:
                try:
                    self._store_atomically([processed])
                except IntegrityError as error:
                    if Article.objects.filter(content_hash=processed.content_hash).exists():
                        self.result.duplicates += 1
                    else:
                        self.result.fail(processed.name, f"could not be stored: {error}")
        self._clean_band_index()

    def _store_atomically(self, chunk: list[Processed]) -> None:
        """Store a chunk in one transaction; if it rolls back, so do the counts it kept."""
        counts = (self.result.added, self.result.duplicates, self.result.near_duplicates)
        entity_ids = dict(self.entity_ids)  # new entities made in the transaction go with it
        try:
            with transaction.atomic():
                self._store(chunk)
        except BaseException:
            self.result.added, self.result.duplicates, self.result.near_duplicates = counts
            self.entity_ids = entity_ids
            raise

    def _clean_band_index(self) -> None:
        """Move the band index's pending entries into the index proper."""
        # A GIN index takes new entries into a pending list that every search reads in
        # full (up to 4 MB by default, ~10,000 articles' bands): the near-duplicate
        # lookup of each chunk then cost 70 ms at 2,000 articles and grew with every
        # chunk. Merged after each chunk, the list stays at one chunk's 800 entries.
        if not self.clean_bands:
            return
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")  # as in _store
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [BAND_INDEX])
        except DatabaseError as error:  # e.g. not the index's owner: the lookup only slows
            logger.info("not cleaning the band index's pending list: %s", error)
            self.clean_bands = False

    def _count_dry(self, chunk: list[Processed]) -> None:
        known = set(
            Article.objects.filter(content_hash__in=[p.content_hash for p in chunk]).values_list(
                "content_hash", flat=True
            )
        )
        for processed in chunk:
            if processed.content_hash in known or processed.content_hash in self.seen_hashes:
                self.result.duplicates += 1
            else:
                self.seen_hashes.add(processed.content_hash)
                self.result.added += 1

    def _store(self, chunk: list[Processed]) -> None:
        with connection.cursor() as cursor:
            # The commit does not wait for the disk (~10 ms a chunk, during which this
            # process, which alone writes, stood still). A crash of the server may lose
            # the last fraction of a second of chunks, whole: never part of one, and the
            # batch's counts are in the same transactions. Running the import again
            # stores them, as after an interruption.
            cursor.execute("SET LOCAL synchronous_commit = off")
            if self.lz4:
                # Bodies, raw texts and search vectors (~30 kB an article) are
                # compressed as they are stored: lz4 costs PostgreSQL a tenth of its time
                # on the chunk less than the default pglz, and reads back as transparently.
                cursor.execute("SET LOCAL default_toast_compression = lz4")
        known = set(
            Article.objects.filter(content_hash__in=[p.content_hash for p in chunk]).values_list(
                "content_hash", flat=True
            )
        )
        fresh: list[Processed] = []
        for processed in chunk:
            if processed.content_hash in known:
                self.result.duplicates += 1
            else:
                known.add(processed.content_hash)
                fresh.append(processed)
        if not fresh:
            self._save_counts()
            return
        ids = _allocate_ids(Article, len(fresh))
        candidates = _Candidates(self._near_duplicate_candidates(fresh))
        articles: list[Article] = []
        for pk, processed in zip(ids, fresh, strict=True):
            article = self._article(processed)
            article.pk = pk
            original, similarity = self._best_match(processed, candidates.sharing(processed.bands))
            if original is not None:
                article.near_duplicate_of_id = original
                article.near_duplicate_similarity = round(similarity, 4)
                self.result.near_duplicates += 1
            articles.append(article)
            # later articles of this chunk may be near-duplicates of this one
            candidates.add(pk, article.near_duplicate_of_id, processed.minhash, processed.bands)
        # All rows are made before any is written: making them creates the entities new
        # names need, which must not happen with the foreign-key triggers off.
        mentions = [
            row
            for processed, article in zip(fresh, articles, strict=True)
            for row in self._mention_rows(processed, article)
        ]
        suggestions = self._suggestion_rows(fresh, articles)
        with _ForeignKeys(skip_triggers=self.skip_fk_triggers) as keys:
            keys.copy(Article, ARTICLE_COLUMNS, [_article_row(a) for a in articles])
            keys.copy(Mention, MENTION_COLUMNS, mentions)
            keys.copy(_suggestion_model(), SUGGESTION_COLUMNS, suggestions)
        entity_counts_add([(article_id, entity_id) for article_id, entity_id, *_ in mentions])
        self._learn_aliases(fresh)
        self.result.added += len(articles)
        self._save_counts()

    def _save_counts(self) -> None:
        batch = self.result.batch
        _copy_counts(self.result, batch)
        batch.save(update_fields=["added", "duplicates", "near_duplicates", "failed", "errors"])

    def _article(self, processed: Processed) -> Article:
        meta = processed.meta
        return Article(
            title=processed.title,
            title_source=processed.title_source,
            body=processed.body,
            raw_text=processed.raw_text,
            removals=[list(r) for r in processed.removals],
            content_hash=processed.content_hash,
            source_name=processed.name,
            source_url=meta.get("url", ""),
            encoding=processed.encoding,
            outlet=meta.get("outlet") or self.outlet,
            published=_parse_date(meta.get("published")) or self.published,
            script=processed.script,
            batch=self.result.batch,
            search_vector=processed.search_vector,
            minhash=list(processed.minhash),
            minhash_bands=list(processed.bands),
        )

    def _near_duplicate_candidates(
        self, fresh: list[Processed]
    ) -> list[tuple[int, int | None, tuple[int, ...], list[int]]]:
        """Return (id, original id, signature, bands) of stored articles sharing a band key."""
        bands = sorted({band for processed in fresh for band in processed.bands})
        table = Article._meta.db_table
        with connection.cursor() as cursor:
            # PostgreSQL estimates that an overlap with ~800 keys matches most rows, with
            # statistics or without, and reads the whole table (200 ms a chunk at 6,000
            # articles, growing with every chunk); the band index answers in ~3 ms. The
            # planner is told so for this one statement, then the setting is restored.
            cursor.execute("SELECT current_setting('enable_seqscan')")
            (seqscan,) = cursor.fetchone()
            cursor.execute("SET LOCAL enable_seqscan = off")
            # The ~800 band keys go as one array literal: the ORM adapted them one by one,
            # which took longer than the lookup itself.
            cursor.execute(
                f"SELECT id, near_duplicate_of_id, minhash, minhash_bands FROM {table} "  # noqa: S608 - our table name
                "WHERE minhash_bands && %s::bigint[]",
                [_int_array(bands)],
            )
            rows = sorted(cursor.fetchall())  # by id: ties go to the earliest article
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [seqscan])
        return [(pk, original, tuple(sig), keys) for pk, original, sig, keys in rows]

    @staticmethod
    def _best_match(
        processed: Processed, candidates: Iterable[tuple[int, int | None, tuple[int, ...]]]
    ) -> tuple[int | None, float]:
        """Return the id of the original this article nearly duplicates, and the similarity."""
        best_id, best = None, 0.0
        for key, original, signature in candidates:
            similarity = estimated_similarity(processed.minhash, signature)
            if similarity >= NEAR_DUPLICATE_THRESHOLD and similarity > best:
                # fold under the first article of the family, not a copy of a copy
                best_id, best = original or key, similarity
        return best_id, best

    def _mention_rows(
        self, processed: Processed, article: Article
    ) -> list[tuple[int, int, int, int, str]]:
        """Return the (article id, entity id, start, end, method) rows of its mentions."""
        # ~90 mentions an article, of ~15 entities: each entity's id is worked out once, and
        # the rows are made in C. Mentions never overlap (extract_entities), so no two rows
        # are alike.
        mentions = processed.mentions
        keys = list(map(_MENTION_ENTITY, mentions))
        ids = {key: self._entity_id(processed, key) for key in set(keys)}
        return list(
            zip(
                repeat(article.pk),
                map(ids.__getitem__, keys),
                map(_MENTION_START, mentions),
                map(_MENTION_END, mentions),
                map(_MENTION_METHOD, mentions),
            )
        )

    def _entity_id(self, processed: Processed, key: str | None) -> int | None:
        """Return the database id of an extraction's entity key (creating new entities)."""
        if key is None:
            return None
        if key.isdigit():
            return int(key)
        new = next((n for n in processed.new_entities if n.key == key), None)
        return self._entity_for(new) if new is not None else None

    def _suggestion_rows(self, fresh: list[Processed], articles: list[Article]) -> list[tuple]:
        """Return the rows of each article's suggested attributions, parts before claims."""
        count = sum(
            1 + (a.speaker is not None) + (a.source is not None)
            for processed in fresh
            for a in processed.attributions
        )
        if not count:
            return []
        ids = iter(_allocate_ids(_suggestion_model(), count))
        rows: list[tuple] = []
        for processed, article in zip(fresh, articles, strict=True):
            for attribution in processed.attributions:
                parts = {}
                for kind in ("speaker", "source"):
                    span = getattr(attribution, kind)
                    if span is not None:
                        parts[kind] = next(ids)
                        anonymous = kind == "speaker" and attribution.speaker_anonymous
                        rows.append(
                            self._suggestion_row(
                                parts[kind],
                                processed,
                                article,
                                kind,
                                span,
                                attribution.rule,
                                anonymous=anonymous,
                            )
                        )
                rows.append(
                    self._suggestion_row(
                        next(ids),
                        processed,
                        article,
                        "claim",
                        attribution.claim,
                        attribution.rule,
                        speaker=parts.get("speaker"),
                        source=parts.get("source"),
                    )
                )
        return rows

    def _suggestion_row(
        self,
        pk: int,
        processed: Processed,
        article: Article,
        kind: str,
        span,
        rule: str,
        *,
        anonymous: bool = False,
        speaker: int | None = None,
        source: int | None = None,
    ) -> tuple:
        entity = self._entity_id(processed, span.entity_key)
        text = processed.body[span.start : span.end]
        return (
            pk,
            article.pk,
            kind,
            span.start,
            span.end,
            text,
            entity,
            rule[:40],
            speaker,
            source,
            anonymous,
        )

    def _learn_aliases(self, fresh: list[Processed]) -> None:
        """Store spellings the articles showed for known entities (e.g. a Latin-name match)."""
        surfaces: dict[str, tuple[int, str, str]] = {}
        for processed in fresh:
            for new in processed.new_aliases:
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

    def _entity_for(self, new) -> int:
        """Return the id of the entity a newly found name refers to, creating it if needed."""
        if new.key in self.entity_ids:
            return self.entity_ids[new.key]
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
        self.entity_ids[new.key] = existing
        return existing


class _Candidates:
    """Possible originals for a chunk's articles, found by the band keys they share.

    An article is compared with the candidates sharing one of its own band keys, not with
    every candidate of the chunk (50 articles drawn from recurring material: ~2,500
    comparisons a chunk, ~50 of them needed). Nothing is missed: signatures agreeing on
    at least NEAR_DUPLICATE_THRESHOLD of their positions differ in at most 12 of 128,
    which leaves 4 of the 16 bands whole, hence shared.
    """

    def __init__(self, rows: list[tuple[int, int | None, tuple[int, ...], list[int]]]) -> None:
        self._rows: list[tuple[int, int | None, tuple[int, ...]]] = []
        self._by_band: dict[int, list[int]] = {}
        for pk, original, signature, bands in rows:
            self.add(pk, original, signature, bands)

    def add(self, pk: int, original: int | None, signature, bands) -> None:
        number = len(self._rows)
        self._rows.append((pk, original, signature))
        for band in bands:
            self._by_band.setdefault(band, []).append(number)

    def sharing(self, bands) -> list[tuple[int, int | None, tuple[int, ...]]]:
        """Return the candidates sharing a band key, in the order they were added."""
        numbers = {n for band in bands for n in self._by_band.get(band, ())}
        return [self._rows[n] for n in sorted(numbers)]


# Articles and mentions go in through COPY: several times faster than INSERT for the
# tens of mentions each article carries, which matters at tens of thousands of articles.
ARTICLE_COLUMNS = [
    "id",
    "title",
    "title_source",
    "body",
    "raw_text",
    "removals",
    "content_hash",
    "source_name",
    "source_url",
    "encoding",
    "outlet",
    "published",
    "script",
    "batch_id",
    "search_vector",
    "minhash",
    "minhash_bands",
    "near_duplicate_of_id",
    "near_duplicate_similarity",
    "annotation_status",
    "created_at",
    "updated_at",
]


MENTION_COLUMNS = ["article_id", "entity_id", "start", "end", "method"]
# A pipeline Mention's fields, for taking an article's mentions apart in C
_MENTION_START, _MENTION_END, _MENTION_ENTITY, _MENTION_METHOD = (
    attrgetter(name) for name in ("start", "end", "entity_key", "method")
)

SUGGESTION_COLUMNS = [
    "id",
    "article_id",
    "kind",
    "start",
    "end",
    "text",
    "entity_id",
    "rule",
    "speaker_id",
    "source_id",
    "anonymous",
]


def _article_row(article: Article) -> tuple:
    now = timezone.now()
    values = {name: getattr(article, name) for name in ARTICLE_COLUMNS}
    values["removals"] = Jsonb(article.removals)
    # Integer arrays as COPY text: psycopg's list dumper is pure Python and took a third
    # of the main process's time on the 144 integers of each article.
    values["minhash"] = _int_array(article.minhash)
    values["minhash_bands"] = _int_array(article.minhash_bands)
    values["created_at"] = values["updated_at"] = now
    return tuple(values[name] for name in ARTICLE_COLUMNS)


def _int_array(values: list[int]) -> str:
    """Return a PostgreSQL array literal of integers."""
    return "{" + ",".join(map(str, values)) + "}"


def _lz4_available() -> bool:
    """Return whether the server can compress stored values with lz4 (PostgreSQL 14+)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Return count fresh primary keys from the model's sequence."""
    with connection.cursor() as cursor:
        # The sequence's name is looked up first: in the select list, PostgreSQL looked it
        # up again for each id (4% of its time on an import).
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq)"
            " SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _suggestion_model() -> type[models.Model]:
    from annotations.models import Suggestion  # the annotations app builds on this one

    return Suggestion


def _fk_triggers_skippable() -> bool:
    """Return whether the import may write with foreign-key triggers off (see _ForeignKeys).

    That takes the right to set session_replication_role (a superuser's, or granted with
    GRANT SET ON PARAMETER), and tables whose only triggers and rules on INSERT are the
    foreign keys' own: any other would not run either, so with one the import keeps
    them on. (article_body_frozen, on UPDATE, is not concerned.)
    """
    tables = [model._meta.db_table for model in (Article, Mention, _suggestion_model())]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (current_setting('is_superuser') = 'on'
                    OR has_parameter_privilege('session_replication_role', 'SET'))
               AND NOT EXISTS (
                   SELECT 1 FROM pg_trigger t
                   WHERE t.tgrelid = ANY(%(tables)s::regclass[])
                     AND t.tgtype & 4 <> 0  -- TRIGGER_TYPE_INSERT
                     AND NOT EXISTS (
                         SELECT 1 FROM pg_constraint c
                         WHERE c.oid = t.tgconstraint AND c.contype = 'f'))
               AND NOT EXISTS (
                   SELECT 1 FROM pg_rewrite
                   WHERE ev_class = ANY(%(tables)s::regclass[]) AND ev_type = '3')  -- INSERT
            """,
            {"tables": tables},
        )
        return bool(cursor.fetchone()[0])


class _ForeignKeys:
    """COPY rows, their foreign keys checked per chunk rather than by a trigger per row.

    PostgreSQL checks each foreign key of each new row with a trigger that looks the
    referenced row up and locks it: ~250 lookups an article for its mentions and
    suggestions, about a third of the server's time on an import. Where the session may
    (skip_triggers), the rows are copied with session_replication_role = replica, which
    turns those triggers off, and the same check is made afterwards, in the same
    transaction, one query per referenced table: every referenced row must exist, and is
    locked FOR KEY SHARE, as the trigger locks it, so that none can be deleted before the
    chunk commits. Rows written here need no query (the chunk's articles, the claims'
    speaker and source suggestions): they exist, and no other transaction sees them. A
    missing row raises IntegrityError, as the trigger would, and the transaction rolls
    back whole. Without skip_triggers, the triggers check each row as usual.
    """

    def __init__(self, *, skip_triggers: bool) -> None:
        self.skip_triggers = skip_triggers
        # (referenced table, column, type) -> who refers to it -> the values referred to
        self.references: dict[tuple[str, str, str], dict[str, set]] = {}
        # (table, primary key column) -> the keys of the rows written here
        self.written: dict[tuple[str, str], set] = {}

    def __enter__(self) -> "_ForeignKeys":
        if self.skip_triggers:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        return self

    def copy(self, model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
        """Write rows into the model's table; note their foreign keys if they go unchecked."""
        if not rows:
            return
        _copy_rows(model, columns, rows)
        if not self.skip_triggers:
            return
        # (collected with itemgetter: ~4,700 mentions a chunk)
        pk = model._meta.pk.column
        if pk in columns:
            written = self.written.setdefault((model._meta.db_table, pk), set())
            written.update(map(itemgetter(columns.index(pk)), rows))
        for reference in model._meta.concrete_fields:
            column = reference.column
            if not (reference.many_to_one and reference.db_constraint and column in columns):
                continue
            target = reference.target_field
            key = (target.model._meta.db_table, target.column, target.rel_db_type(connection))
            referrer = f"{model._meta.db_table}.{column}"
            values = self.references.setdefault(key, {}).setdefault(referrer, set())
            values.update(map(itemgetter(columns.index(column)), rows))

    def __exit__(self, kind, error, traceback) -> None:
        # After an error the transaction rolls back, which restores the setting.
        if not self.skip_triggers or kind is not None:
            return
        with connection.cursor() as cursor:
            # back on before anything else is written in this transaction
            cursor.execute("SET LOCAL session_replication_role = origin")
            self._check(cursor)

    def _check(self, cursor) -> None:
        quote = connection.ops.quote_name
        for (table, column, kind), referrers in self.references.items():
            # Rows written in this transaction exist, and no one else sees them to delete.
            unknown = set().union(*referrers.values()) - self.written.get((table, column), set())
            unknown.discard(None)
            if not unknown:
                continue
            with connection.wrap_database_errors:
                cursor.execute(
                    f"SELECT {quote(column)} FROM {quote(table)} "  # noqa: S608 - names from the models
                    f"WHERE {quote(column)} = ANY(%s::{kind}[]) FOR KEY SHARE",
                    [sorted(unknown)],  # sorted: a fixed locking order
                )
                found = {row[0] for row in cursor.fetchall()}
            missing = sorted(unknown - found)
            if missing:
                referrer = next(name for name, values in referrers.items() if missing[0] in values)
                raise IntegrityError(
                    f"{referrer} refers to {table}.{column} = {missing[0]}, "
                    f"which does not exist ({len(missing)} such values)"
                )


def _copy_rows(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> None:
    """Write rows into the model's table with COPY (inside the current transaction)."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    # wrap_database_errors turns psycopg's errors into Django's (IntegrityError), which the
    # writer relies on to retry a chunk that raced with another import.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def entity_counts_add(mentions: list[tuple[int, int]]) -> None:
    """Add new (article id, entity id) mentions to their entities' counters, in one statement."""
    mention_delta = Counter(entity for _, entity in mentions)
    article_delta = Counter(entity for _, entity in set(mentions))
    if not mention_delta:
        return
    ids = sorted(mention_delta)  # a fixed order, so concurrent imports cannot deadlock
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Entity._meta.db_table} AS e
            SET mention_count = e.mention_count + v.m, article_count = e.article_count + v.a
            FROM unnest(%s::bigint[], %s::int[], %s::int[]) AS v(id, m, a)
            WHERE e.id = v.id
            """,  # noqa: S608 - the table name is ours, values are parameters
            [ids, [mention_delta[i] for i in ids], [article_delta[i] for i in ids]],
        )


def entity_counts_refresh(entity_ids: list[int]) -> None:
    """Recount the mention and article counters of some entities from the mentions."""
    for entity_id in sorted(entity_ids):
        mentions = Mention.objects.filter(entity_id=entity_id)
        Entity.objects.filter(pk=entity_id).update(
            mention_count=mentions.count(),
            article_count=mentions.values("article_id").distinct().count(),
        )


def _parse_date(value: str | None) -> datetime.date | None:
    """Return the date at the start of an ISO date or datetime string, or None."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def default_workers() -> int:
    """Return the worker count used when --workers is not given: one per core."""
    return max(1, min(os.cpu_count() or 1, 8))


# --- entities ---------------------------------------------------------------------------


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
    """Merge one entity into another: aliases and mentions move, the merge is recorded."""
    survivor = Entity.objects.select_for_update().get(pk=survivor.pk)
    merged = Entity.objects.select_for_update().get(pk=merged.pk)
    if survivor.pk == merged.pk:
        raise EntityError("an entity cannot be merged into itself")
    if survivor.merged_into_id or merged.merged_into_id:
        raise EntityError("one of these entities was already merged away")
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
