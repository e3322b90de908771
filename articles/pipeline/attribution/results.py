"""What attribution suggestion reads (mentions) and returns (attributions of spans)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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


@dataclass(frozen=True, slots=True)
class Span:
    """Code points into the body; entity_key is set when the span is an entity mention."""

    start: int
    end: int
    entity_key: str | None


@dataclass(frozen=True, slots=True)
class Attribution:
    """A claim (quoted words or a reported clause), who said it, and who reported it."""

    claim: Span
    speaker: Span | None
    speaker_anonymous: bool
    source: Span | None
    rule: str
    quoted: bool
