"""Article text prepared for templates: paragraphs with entity mentions, and snippets.

Templates escape every piece; nothing here produces HTML.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from articles.pipeline.offsets import utf16_length
from articles.pipeline.scripts import to_simplified


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text, optionally a mention (entity id, kind, canonical and Latin name)."""

    text: str
    start: int
    entity_id: int | None = None
    kind: str = ""
    name: str = ""
    latin: str = ""


@dataclass(frozen=True, slots=True)
class Paragraph:
    start: int  # code-point offset of the paragraph in the body
    end: int
    start16: int  # the same offset in UTF-16 code units, for the browser
    pieces: tuple[Piece, ...]


def paragraphs(body: str, mentions: Iterable) -> list[Paragraph]:
    """Return the body's lines with mentions cut out as pieces (mentions never overlap).

    mentions: objects with start, end, entity_id, kind, name and latin attributes.
    """
    ordered = sorted(mentions, key=lambda m: (m.start, -m.end))
    result = []
    index = 0
    offset = 0
    offset16 = 0
    for line in body.split("\n"):
        line_start, line_end = offset, offset + len(line)
        pieces = []
        cursor = line_start
        while index < len(ordered) and ordered[index].start < line_end:
            mention = ordered[index]
            index += 1
            if mention.start < cursor or mention.end > line_end:
                continue  # overlaps the previous mention or crosses a line: not drawn
            if mention.start > cursor:
                pieces.append(Piece(body[cursor : mention.start], cursor))
            pieces.append(
                Piece(
                    body[mention.start : mention.end],
                    mention.start,
                    mention.entity_id,
                    mention.kind,
                    mention.name,
                    mention.latin,
                )
            )
            cursor = mention.end
        if cursor < line_end:
            pieces.append(Piece(body[cursor:line_end], cursor))
        result.append(Paragraph(line_start, line_end, offset16, tuple(pieces)))
        offset = line_end + 1
        offset16 += utf16_length(line) + 1
    return result


@dataclass(frozen=True, slots=True)
class SnippetPart:
    text: str
    hit: bool


def snippet(text: str, needles: Sequence[str], width: int = 140) -> list[SnippetPart]:
    """Return a window of text around the first hit, with every hit of needles marked.

    Matching is on the simplified form, so simplified needles find traditional text.
    """
    simplified = to_simplified(text)
    keys = sorted(
        {to_simplified(n).lower() for n in needles if n and n.strip()}, key=len, reverse=True
    )
    lowered = simplified.lower()
    # One pass of one pattern (longest needle first, as alternatives are tried in order),
    # not every needle tried at every character: this ran ~2,700 times per search result.
    pattern = re.compile("|".join(map(re.escape, keys))) if keys else None
    hit = pattern.search(lowered) if pattern else None
    start = max(0, hit.start() - width // 3) if hit else 0
    end = min(len(text), start + width)
    window_parts: list[SnippetPart] = []
    cursor = start
    for match in pattern.finditer(lowered, start) if pattern else ():
        if match.start() >= end:
            break
        if cursor < match.start():
            window_parts.append(SnippetPart(text[cursor : match.start()], False))
        stop = min(end, match.end())
        window_parts.append(SnippetPart(text[match.start() : stop], True))
        cursor = stop
    if cursor < end:
        window_parts.append(SnippetPart(text[cursor:end], False))
    if start > 0:
        window_parts.insert(0, SnippetPart("…", False))
    if end < len(text):
        window_parts.append(SnippetPart("…", False))
    return [SnippetPart(p.text.replace("\n", " "), p.hit) for p in window_parts]
