"""Writes to articles, entities and aliases.

entities: the lexicon seed, alias edits, merges, counters and resolving what the pipeline
found to entity ids; imports: import_articles; rescan: finding the entities of stored
articles again; bulk: COPY and the helpers the writers share.
"""

from articles.services.entities import (
    EntityError,
    alias_add,
    alias_delete,
    alias_index,
    alias_key,
    entity_counts_add,
    entity_counts_refresh,
    entity_merge,
    lexicon_load,
)
from articles.services.imports import ImportResult, articles_import, default_workers
from articles.services.rescan import (
    RescanResult,
    alias_added_rescan,
    alias_removed_rescan,
    articles_containing,
    mentions_rescan,
    mentions_rescan_text,
)

__all__ = [
    "EntityError",
    "ImportResult",
    "RescanResult",
    "alias_add",
    "alias_added_rescan",
    "alias_delete",
    "alias_index",
    "alias_key",
    "alias_removed_rescan",
    "articles_containing",
    "articles_import",
    "default_workers",
    "entity_counts_add",
    "entity_counts_refresh",
    "entity_merge",
    "lexicon_load",
    "mentions_rescan",
    "mentions_rescan_text",
]
