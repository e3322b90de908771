"""Writes to articles, entities and aliases: the import and the lexicon seed."""

import datetime
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Alias, Article, Entity, ImportBatch, Mention
from articles.pipeline.dedupe import NEAR_DUPLICATE_THRESHOLD, estimated_similarity
from articles.pipeline.entities import AliasIndex
from articles.pipeline.lexicon import load_lexicon
from articles.pipeline.normalize import match_key
from articles.pipeline.process import Processed
from articles.pipeline.scripts import to_simplified
from articles.pipeline.sources import SourceError, iter_sources
from articles.pipeline.worker import process_all

logger = logging.getLogger(__name__)

CHUNK_SIZE = 50  # articles written per transaction: a chunk is all in or all out
MAX_STORED_ERRORS = 10_000  # per batch; the count stays exact beyond it


def alias_key(name: str) -> str:
    """Return the normalised form under which an alias is unique."""
    return to_simplified(match_key(name)).strip()


# --- lexicon ---------------------------------------------------------------------------


@transaction.atomic
def lexicon_load(path: Path | None = None) -> tuple[int, int]:
    """Add lexicon entities and aliases missing from the database; return (entities, aliases).

    The database is the truth once seeded: existing entities and aliases are never
    changed, so edits made in the admin survive a reload.
    """
    added_entities = added_aliases = 0
    taken = set(Alias.objects.values_list("normalized", flat=True))
    for entry in load_lexicon(path):
        entity, created = Entity.objects.get_or_create(
            name=entry.name,
            kind=entry.kind,
            merged_into=None,
            defaults={
                "latin_name": entry.latin,
                "description": entry.description,
                "origin": Entity.Origin.LEXICON,
            },
        )
        added_entities += created
        new_aliases = []
        for surface in (entry.name, *entry.aliases):
            key = alias_key(surface)
            if key and key not in taken:
                taken.add(key)
                new_aliases.append(
                    Alias(entity=entity, name=surface, normalized=key, origin=Alias.Origin.LEXICON)
                )
        Alias.objects.bulk_create(new_aliases)
        added_aliases += len(new_aliases)
    return added_entities, added_aliases


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
    chunk: list[Processed] = []
    try:
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
    except BaseException:
        if result.batch:
            _finish(result, ImportBatch.Status.INTERRUPTED)
        raise
    if result.batch:
        _finish(result, ImportBatch.Status.FINISHED)
    return result


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

    def write(self, chunk: list[Processed]) -> None:
        """Store a chunk in one transaction; on a race with another import, one by one."""
        if self.dry_run:
            self._count_dry(chunk)
            return
        try:
            with transaction.atomic():
                self._store(chunk)
        except IntegrityError:
            # Another process stored one of these meanwhile: retry each article alone
            # so that the others still go in.
            for processed in chunk:
                try:
                    with transaction.atomic():
                        self._store([processed])
                except IntegrityError:
                    self.result.duplicates += 1

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
        candidates = self._near_duplicate_candidates(fresh)
        articles = []
        for processed in fresh:
            article = self._article(processed)
            original, similarity = self._best_match(processed, candidates)
            if original is not None:
                article.near_duplicate_of_id = original
                article.near_duplicate_similarity = round(similarity, 4)
                self.result.near_duplicates += 1
            articles.append(article)
        Article.objects.bulk_create(articles)
        for processed, article in zip(fresh, articles, strict=True):
            # later articles of this chunk may be near-duplicates of earlier ones
            candidates.append((article.pk, article.near_duplicate_of_id, processed.minhash))
        Mention.objects.bulk_create(
            mention
            for processed, article in zip(fresh, articles, strict=True)
            for mention in self._mentions(processed, article)
        )
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
            title_tokens=processed.title_tokens,
            body_tokens=processed.body_tokens,
            minhash=list(processed.minhash),
            minhash_bands=list(processed.bands),
        )

    def _near_duplicate_candidates(
        self, fresh: list[Processed]
    ) -> list[tuple[int, int | None, tuple[int, ...]]]:
        """Return (id, original id, signature) of stored articles sharing a band key."""
        bands = sorted({band for processed in fresh for band in processed.bands})
        rows = Article.objects.filter(minhash_bands__overlap=bands).values_list(
            "id", "near_duplicate_of_id", "minhash"
        )
        return [(pk, original, tuple(sig)) for pk, original, sig in rows]

    @staticmethod
    def _best_match(
        processed: Processed, candidates: list[tuple[int, int | None, tuple[int, ...]]]
    ) -> tuple[int | None, float]:
        """Return the original this article nearly duplicates, and the similarity."""
        best_id, best = None, 0.0
        for pk, original, signature in candidates:
            similarity = estimated_similarity(processed.minhash, signature)
            if similarity >= NEAR_DUPLICATE_THRESHOLD and similarity > best:
                # fold under the first article of the family, not a copy of a copy
                best_id, best = original or pk, similarity
        return best_id, best

    def _mentions(self, processed: Processed, article: Article) -> Iterator[Mention]:
        new_entities = {new.key: new for new in processed.new_entities}
        seen = set()
        for mention in processed.mentions:
            if mention.entity_key in new_entities:
                entity_id = self._entity_for(new_entities[mention.entity_key])
            else:
                entity_id = int(mention.entity_key)
            key = (mention.start, mention.end, entity_id)
            if key in seen:
                continue
            seen.add(key)
            yield Mention(
                article=article,
                entity_id=entity_id,
                start=mention.start,
                end=mention.end,
                method=mention.method,
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
