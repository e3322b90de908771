"""Finding the entities of stored articles again, with the aliases the database has now.

The import finds an article's mentions once, with the aliases known when it ran. Aliases
added since (on an entity page, in the admin, by load_lexicon, or learnt from later
articles), removed or merged change what it would find. A rescan cuts and searches each
body again as the import does, and for each article whose mentions differ stores the new
ones in place of the old, keeping the entities' counters right. Bodies, annotations and
suggestions are not touched: they hold offsets and entity ids, never mentions.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import batched

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from articles.models import Article, Entity, Mention
from articles.pipeline.entities import Extraction
from articles.pipeline.scripts import script_forms
from articles.pipeline.worker import extract_safely, map_in_workers
from articles.services.bulk import copy_rows
from articles.services.entities import (
    MENTION_COLUMNS,
    EntityResolver,
    alias_index,
    entity_counts_change,
)

RESCAN_CHUNK = 100  # articles compared and written per transaction
READ_AHEAD = 1_000  # bodies read per query
# Articles a page request rescans when an alias is added or removed (~10 ms each); for
# more, the page names the command that does it.
PAGE_LIMIT = 200

MentionRow = tuple[int, int, int, int, str]  # article id, entity id, start, end, method


@dataclass
class RescanResult:
    """What a rescan did (or, dry, would do)."""

    articles: int = 0  # read and searched
    changed: int = 0  # whose mentions changed
    added: int = 0  # mentions stored that were not there (a changed method: one each)
    removed: int = 0  # mentions that went
    failed: list[tuple[int, str]] = field(default_factory=list)  # (article id, why)


def mentions_rescan(
    *,
    articles: QuerySet[Article] | None = None,
    workers: int = 1,
    dry_run: bool = False,
    learn_aliases: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> RescanResult:
    """Find the entities of stored articles (all by default) again; store what changed.

    Each chunk of articles is compared and written in one transaction, so an interrupted
    rescan leaves every article with either its old mentions or its new ones. A dry run
    does the same work and rolls each chunk back: its counts are what a real run does.
    As the import, the rescan stores new spellings the articles show for known entities
    as aliases, unless learn_aliases is off.
    """
    articles = Article.objects.all() if articles is None else articles
    result = RescanResult()
    writer = _Writer(result, dry_run=dry_run, learn_aliases=learn_aliases)
    found = map_in_workers(extract_safely, _bodies(articles), alias_index(), max(1, workers))
    for chunk in batched(found, RESCAN_CHUNK):
        writer.write(chunk)
        if on_progress:
            on_progress(len(chunk))
    return result


def articles_containing(text: str) -> QuerySet[Article]:
    """Return the articles whose body contains text, in simplified or traditional script.

    Latin letters match in any case (Witkoff, WITKOFF), as the extraction matches them.
    """
    if not text:
        return Article.objects.none()
    lookup = (
        "body__icontains" if any(c.isascii() and c.isalpha() for c in text) else "body__contains"
    )
    condition = Q()
    for form in sorted(script_forms(text)):
        condition |= Q(**{lookup: form})
    return Article.objects.filter(condition)


def mentions_rescan_text(
    *, text: str, entity: Entity | None = None, learn_aliases: bool = True
) -> RescanResult | None:
    """Rescan the articles whose body contains text (and mention entity, if given).

    Returns None, having done nothing, when more than PAGE_LIMIT articles qualify: that
    is work for the rescan_entities command, not for a page request.
    """
    articles = articles_containing(text)
    if entity is not None:
        articles = articles.filter(mentions__entity=entity).distinct()
    ids = list(articles.order_by("pk").values_list("pk", flat=True)[: PAGE_LIMIT + 1])
    if len(ids) > PAGE_LIMIT:
        return None
    return mentions_rescan(articles=Article.objects.filter(pk__in=ids), learn_aliases=learn_aliases)


def alias_added_rescan(name: str) -> str:
    """Find a new alias in the articles that contain it; return what that did, as a sentence."""
    result = mentions_rescan_text(text=name)
    return _rescan_message(result, f"articles that contain “{name}”", name)


def alias_removed_rescan(entity: Entity, name: str) -> str:
    """Take a removed alias's mentions of entity away; return what that did, as a sentence.

    The mentions that spelling made go, unless the rules still find the name there; the
    rescan does not learn the spelling back as an alias.
    """
    result = mentions_rescan_text(text=name, entity=entity, learn_aliases=False)
    return _rescan_message(result, f"articles that mention {entity.name} as “{name}”", name)


def _rescan_message(result: RescanResult | None, which: str, text: str) -> str:
    if result is None:
        return (
            f"Over {PAGE_LIMIT} {which}, too many to rescan here: an admin can rescan "
            f"them with “manage.py rescan_entities --containing {text}”."
        )
    return f"Rescanned the {result.articles} {which}: mentions changed in {result.changed}."


def _bodies(articles: QuerySet[Article]) -> Iterator[tuple[int, str]]:
    """Yield (id, body) of the articles in id order, READ_AHEAD of them a query."""
    last = 0
    while True:
        rows = list(
            articles.filter(pk__gt=last).order_by("pk").values_list("pk", "body")[:READ_AHEAD]
        )
        yield from rows
        if len(rows) < READ_AHEAD:
            return
        last = rows[-1][0]


class _DryRun(Exception):
    """Raised to roll a dry run's chunk back."""


class _Writer:
    """Compares each chunk's mentions with the stored ones and stores what changed."""

    def __init__(self, result: RescanResult, *, dry_run: bool, learn_aliases: bool) -> None:
        self.result = result
        self.dry_run = dry_run
        self.learn_aliases = learn_aliases
        self.entities = EntityResolver()

    def write(self, chunk: tuple[tuple[int, Extraction | str], ...]) -> None:
        found: dict[int, Extraction] = {}
        for article_id, extraction in chunk:
            if isinstance(extraction, str):
                self.result.failed.append((article_id, extraction))
            else:
                found[article_id] = extraction
        self.result.articles += len(chunk)
        if not found:
            return
        snapshot = self.entities.snapshot()  # new entities made in the transaction go with it
        try:
            with transaction.atomic():
                changes = self._store(found)
                if self.dry_run:
                    raise _DryRun
        except _DryRun:
            self.entities.restore(snapshot)
        except BaseException:
            self.entities.restore(snapshot)
            raise
        changed, added, removed = changes
        self.result.changed += changed
        self.result.added += added
        self.result.removed += removed

    def _store(self, found: dict[int, Extraction]) -> tuple[int, int, int]:
        """Store the chunk's changed mentions; return (articles changed, added, removed)."""
        with connection.cursor() as cursor:
            # Locked, as a foreign key would lock them, so that none is deleted before the
            # chunk commits; one deleted since it was read is passed over.
            cursor.execute(
                f"SELECT id FROM {Article._meta.db_table} WHERE id = ANY(%s) FOR KEY SHARE",  # noqa: S608 - our table name
                [sorted(found)],
            )
            present = sorted(row[0] for row in cursor.fetchall())
            cursor.execute(
                f'SELECT article_id, entity_id, start, "end", method FROM {Mention._meta.db_table} '  # noqa: S608 - our table name
                "WHERE article_id = ANY(%s)",
                [present],
            )
            old: dict[int, set[MentionRow]] = defaultdict(set)
            for row in cursor.fetchall():
                old[row[0]].add(row)
        new = {pk: self.entities.mention_rows(pk, found[pk]) for pk in present}
        live = _live_entities({row[1] for rows in new.values() for row in rows})
        new = {
            pk: {(a, live[e], s, t, m) for a, e, s, t, m in rows if live[e] is not None}
            for pk, rows in new.items()
        }
        changed = [pk for pk in present if new[pk] != old[pk]]
        if self.learn_aliases:
            self.entities.learn_aliases(found[pk] for pk in present)
        if not changed:
            return 0, 0, 0
        Mention.objects.filter(article_id__in=changed).delete()
        copy_rows(Mention, MENTION_COLUMNS, sorted(row for pk in changed for row in new[pk]))
        before = [row for pk in changed for row in old[pk]]
        after = [row for pk in changed for row in new[pk]]
        mentions = Counter(row[1] for row in after)
        mentions.subtract(row[1] for row in before)
        in_articles = Counter(entity for _, entity in {row[:2] for row in after})
        in_articles.subtract(entity for _, entity in {row[:2] for row in before})
        entity_counts_change(mentions, in_articles)
        added = sum(len(new[pk] - old[pk]) for pk in changed)
        removed = sum(len(old[pk] - new[pk]) for pk in changed)
        return len(changed), added, removed


def _live_entities(ids: set[int]) -> dict[int, int | None]:
    """Return, for each entity id, the live entity it is now (merged away: the survivor).

    None for an entity deleted since the aliases were read. The live entities are locked
    as a foreign key locks them: a merge waits for the chunk, or has moved its mentions
    and aliases already, and is seen here.
    """
    live: dict[int, int | None] = dict.fromkeys(ids)
    current = {pk: pk for pk in ids}  # id -> the entity it stands for so far
    with connection.cursor() as cursor:
        # Merges point every entity merged into one at that one's survivor: a chain is at
        # most one step, but following it further costs nothing.
        for _ in range(10):
            wanted = sorted(set(current.values()))
            if not wanted:
                break
            cursor.execute(
                f"SELECT id, merged_into_id FROM {Entity._meta.db_table} "  # noqa: S608 - our table name
                "WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE",
                [wanted],
            )
            merged_into = dict(cursor.fetchall())
            following = {}
            for pk, at in current.items():
                if at not in merged_into:  # deleted
                    continue
                if merged_into[at] is None:
                    live[pk] = at
                else:
                    following[pk] = merged_into[at]
            current = following
    return live
