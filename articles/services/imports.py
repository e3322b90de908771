"""The import: files through the pipeline into articles, mentions and suggestions."""

import datetime
import logging
import os
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from articles.models import Article, Entity, ImportBatch, Mention
from articles.pipeline.dedupe import NEAR_DUPLICATE_THRESHOLD, estimated_similarity
from articles.pipeline.process import Processed
from articles.pipeline.sources import SourceError, iso_date, iter_sources
from articles.pipeline.worker import collector_tuned, process_all
from articles.services.bulk import (
    ForeignKeys,
    allocate_ids,
    fk_triggers_skippable,
    int_array,
    lz4_available,
)
from articles.services.entities import (
    MENTION_COLUMNS,
    EntityResolver,
    alias_index,
    entity_counts_add,
    lexicon_load,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 50  # articles written per transaction: a chunk is all in or all out
BAND_INDEX = "article_bands_gin"  # the GIN index on Article.minhash_bands
MAX_STORED_ERRORS = 10_000  # per batch; the count stays exact beyond it


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
        # For dry runs, which store nothing: what they would have added, to find the
        # duplicates and near-duplicates among the articles of the run (~2 kB an article).
        self.seen_hashes: set[str] = set()
        self.seen_signatures = _Candidates([])
        self.entities = EntityResolver()
        self.lz4 = not dry_run and lz4_available()
        self.skip_fk_triggers = not dry_run and fk_triggers_skippable(
            [Article, Mention, _suggestion_model()]
        )
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
        entities = self.entities.snapshot()  # new entities made in the transaction go with it
        try:
            with transaction.atomic():
                self._store(chunk)
        except BaseException:
            self.result.added, self.result.duplicates, self.result.near_duplicates = counts
            self.entities.restore(entities)
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
        fresh = []
        for processed in chunk:
            if processed.content_hash in known or processed.content_hash in self.seen_hashes:
                self.result.duplicates += 1
            else:
                self.seen_hashes.add(processed.content_hash)
                fresh.append(processed)
        stored = _Candidates(self._near_duplicate_candidates(fresh) if fresh else [])
        seen = self.seen_signatures
        for processed in fresh:
            self.result.added += 1
            bands = processed.bands
            candidates = [*stored.sharing(bands), *seen.sharing(bands)]
            original, _ = self._best_match(processed, candidates)
            if original is not None:
                self.result.near_duplicates += 1
            # a dry run's articles have no ids: numbered below zero, apart from stored ones
            signature = array("q", processed.minhash)
            seen.add(-1 - len(seen), original, signature, bands)

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
        ids = allocate_ids(Article, len(fresh))
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
            for row in self.entities.mention_rows(article.pk, processed)
        ]
        suggestions = self._suggestion_rows(fresh, articles)
        with ForeignKeys(skip_triggers=self.skip_fk_triggers) as keys:
            keys.copy(Article, ARTICLE_COLUMNS, [_article_row(a) for a in articles])
            keys.copy(Mention, MENTION_COLUMNS, mentions)
            keys.copy(_suggestion_model(), SUGGESTION_COLUMNS, suggestions)
        entity_counts_add([(article_id, entity_id) for article_id, entity_id, *_ in mentions])
        self.entities.learn_aliases(fresh)
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
        # in a transaction (a savepoint in the import's), where SET LOCAL holds: a dry
        # run, in autocommit, otherwise read the whole table for every chunk
        with transaction.atomic(), connection.cursor() as cursor:
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
                [int_array(bands)],
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

    def _suggestion_rows(self, fresh: list[Processed], articles: list[Article]) -> list[tuple]:
        """Return the rows of each article's suggested attributions, parts before claims."""
        count = sum(
            1 + (a.speaker is not None) + (a.source is not None)
            for processed in fresh
            for a in processed.attributions
        )
        if not count:
            return []
        ids = iter(allocate_ids(_suggestion_model(), count))
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
        entity = self.entities.entity_id(processed, span.entity_key)
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

    def __len__(self) -> int:
        return len(self._rows)

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
    values["minhash"] = int_array(article.minhash)
    values["minhash_bands"] = int_array(article.minhash_bands)
    values["created_at"] = values["updated_at"] = now
    return tuple(values[name] for name in ARTICLE_COLUMNS)


def _parse_date(value: str | None) -> datetime.date | None:
    """Return the date of an ISO date or datetime string (sources checked it), or None."""
    return iso_date(value) if value else None


def default_workers() -> int:
    """Return the worker count used when --workers is not given: one per core."""
    return max(1, min(os.cpu_count() or 1, 8))


def _suggestion_model() -> type[models.Model]:
    from annotations.models import Suggestion  # the annotations app builds on this one

    return Suggestion
