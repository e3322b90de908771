"""Entity extraction: find people, organisations, places and outlets in an article."""

from articles.pipeline.entities.extract import extract_entities
from articles.pipeline.entities.index import AliasIndex
from articles.pipeline.entities.results import (
    METHODS,
    Extraction,
    Mention,
    NewAlias,
    NewEntity,
    new_entity_key,
)

__all__ = [
    "METHODS",
    "AliasIndex",
    "Extraction",
    "Mention",
    "NewAlias",
    "NewEntity",
    "extract_entities",
    "new_entity_key",
]
