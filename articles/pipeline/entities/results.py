"""What entity extraction returns: mentions, new entities, new aliases."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

METHODS = ("lexicon", "latin", "title_rule", "middle_dot", "pos", "coreference")

NEW_KEY_PREFIX = "new:"


def _by_fields(self) -> tuple:
    # Pickled as a call with the field values: the default for frozen slotted dataclasses
    # goes through dataclasses.fields() for every object, which made unpickling ~100
    # objects per article a noticeable part of the import's main process.
    return type(self), tuple(getattr(self, name) for name in self.__slots__)


# A named tuple rather than a frozen dataclass: an article has ~90 mentions, built by the
# extraction, pickled by a worker and unpickled by the main process, and a frozen
# dataclass's __init__ made each of those steps several times slower.
class Mention(NamedTuple):
    start: int
    end: int
    surface: str
    entity_key: str
    kind: str
    method: str


# A Mention from a plain tuple of its fields, made in C (a Mention(...) call goes through
# the named tuple's Python-level __new__): for the extraction and the workers' results.
mention_from_tuple = partial(tuple.__new__, Mention)


@dataclass(frozen=True, slots=True)
class NewEntity:
    key: str
    name: str
    kind: str
    latin: str
    aliases: tuple[str, ...]

    __reduce__ = _by_fields


@dataclass(frozen=True, slots=True)
class NewAlias:
    """A surface this article shows to name an entity the index knows under other names."""

    entity_key: str
    surface: str
    method: str

    __reduce__ = _by_fields


@dataclass(frozen=True, slots=True)
class Extraction:
    mentions: tuple[Mention, ...]
    new_entities: tuple[NewEntity, ...]
    new_aliases: tuple[NewAlias, ...] = ()

    __reduce__ = _by_fields


def new_entity_key(kind: str, name: str) -> str:
    """Return the key of an entity first seen in an article (the index has no key for it)."""
    return f"{NEW_KEY_PREFIX}{kind}:{name}"
