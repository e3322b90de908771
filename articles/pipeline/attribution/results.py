"""What attribution suggestion reads (mentions) and returns (attributions of spans)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple, Protocol


class MentionLike(Protocol):
    """Anything with a mention's offsets, entity key and kind: entities.Mention, a DB row."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def entity_key(self) -> str: ...
    @property
    def kind(self) -> str: ...


def _by_fields(self) -> tuple:
    # Pickled as a call with the field values: the default for frozen slotted dataclasses
    # goes through dataclasses.fields() for every object, which made unpickling ~100
    # objects per article a noticeable part of the import's main process.
    return type(self), tuple(getattr(self, name) for name in self.__slots__)


class Span(NamedTuple):
    """Code points into the body; entity_key is set when the span is an entity mention.

    A named tuple, as entities.Mention: two or three of them in every attribution.
    """

    start: int
    end: int
    entity_key: str | None


# A Span from a plain tuple of its fields, made in C (a Span(...) call goes through the
# named tuple's Python-level __new__): for the workers' results.
span_from_tuple = partial(tuple.__new__, Span)


@dataclass(frozen=True, slots=True)
class Attribution:
    """A claim (quoted words or a reported clause), who said it, and who reported it."""

    claim: Span
    speaker: Span | None
    speaker_anonymous: bool
    source: Span | None
    rule: str
    quoted: bool

    __reduce__ = _by_fields
