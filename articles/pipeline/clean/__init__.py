"""Article text -> title and body for analysts, with every removal recorded and restorable.

clean_text() takes normalised text (normalize_text) and decides, line by line and then within
lines, what is page chrome or injected noise. The body is exactly the input minus the removals:
joining the text outside the removals gives the body, so an analyst can see and restore each one.

Decisions that hold for every article:
- The title line is taken out of the body (reason "title"). Without a title line the title is
  made from the body's first sentence and marked "fallback" for review.
- Paragraphs are separated by a single "\\n"; blank lines are removed ("blank_lines").
- A leading dateline such as "(利雅得/莫斯科综合电)" is content and stays in the body.
- A line broken mid-sentence is joined by removing the "\\n" ("line_break").

Where the rules live: lines.py (line features), chrome.py (one line is chrome on its own),
blocks.py (runs of lines: link lists, related blocks, menus), title.py (title line, repeated
lead, fallback title), inline.py (injected phrases, headline fragments, credit tails).
"""

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType

from articles.pipeline.clean.blocks import (
    edge_lines,
    kept_indices,
    menu_runs,
    related_blocks,
    trailing_lists,
)
from articles.pipeline.clean.chrome import line_reason
from articles.pipeline.clean.inline import Span, injected_phrases, tail_credits, title_fragments
from articles.pipeline.clean.lines import Line, ends_sentence, is_item, split_lines
from articles.pipeline.clean.title import (
    byline_lines,
    choose_title,
    fallback_title,
    head_chrome,
    repeated_summary,
    title_text,
)

__all__ = ["REASONS", "Cleaned", "Removal", "clean_text"]

# Every reason a removal can carry, with what it means (for showing removals to analysts).
REASONS: Mapping[str, str] = MappingProxyType(
    {
        "title": "the title line, shown as the title",
        "blank_lines": "blank lines between paragraphs",
        "line_break": "a line break in the middle of a sentence",
        "repeated_summary": "a lead paragraph repeated later in the text",
        "navigation": "site menu or navigation bar",
        "breadcrumb": "breadcrumb trail",
        "widget": "comment form, buttons and other page widgets",
        "share_widget": "share buttons",
        "qr_prompt": "QR code or follow-us prompt",
        "app_banner": "app download banner",
        "prev_next": "links to the previous or next article",
        "related_list": "list of related articles",
        "trailing_link_list": "list of links after the article",
        "caption": "image caption",
        "credit": "editor, author or topic credit",
        "agency_code": "news agency end mark or code",
        "original_title": "original title line",
        "source_line": "source, author and date line",
        "copyright": "copyright or licence notice",
        "injected_phrase": "advertising phrase injected into the text",
        "title_fragment": "piece of the headline injected into the text",
    }
)

# A line must be this long, and contain a full stop, before a missing final stop means the
# sentence runs on into the next line (headings are shorter and have no full stop).
_JOIN_MIN_CHARS = 30


@dataclass(frozen=True, slots=True)
class Removal:
    start: int  # code-point offsets into the text given to clean_text
    end: int
    text: str  # == text[start:end]
    reason: str


@dataclass(frozen=True, slots=True)
class Cleaned:
    title: str  # never empty
    title_source: str  # "first_line" or "fallback" (made from the body, to be reviewed)
    body: str  # what analysts annotate
    removals: tuple[Removal, ...]


def clean_text(text: str) -> Cleaned:
    """Return the title, the body and the removals that turn the text into the body."""
    lines = split_lines(text)
    removed: dict[int, str] = {}
    for line in lines:
        reason = None if line.is_blank else line_reason(line.stripped)
        if reason:
            removed[line.index] = reason
    for rule in (trailing_lists, related_blocks, menu_runs, edge_lines):
        removed |= rule(lines, removed)

    title = choose_title(lines, removed)
    if title is not None:
        removed |= head_chrome(lines, removed, title)
        removed |= byline_lines(lines, removed, title)
        removed[title] = "title"
    removed |= repeated_summary(lines, removed, title)

    inline = _inline_spans(text, lines, removed, title)
    removed |= _consumed_lines(text, lines, inline)
    inline = {index: spans for index, spans in inline.items() if index not in removed}
    spans = [span for line_spans in inline.values() for span in line_spans]
    spans += _line_breaks(text, lines, removed, inline)

    body, removals = _assemble(text, lines, removed, spans)
    if title is not None:
        return Cleaned(title_text(lines[title].text), "first_line", body, removals)
    return Cleaned(fallback_title(body), "fallback", body, removals)


def _inline_spans(
    text: str, lines: list[Line], removed: Mapping[int, str], title: int | None
) -> dict[int, list[Span]]:
    """Return spans of noise inside the lines that are kept, by line index."""
    kept = kept_indices(lines, removed)
    starts = [line.start for line in lines]
    kept_set = set(kept)
    spans = [s for s in injected_phrases(text) if bisect_right(starts, s[0]) - 1 in kept_set]
    if title is not None:
        body_lines = [lines[i] for i in kept if i > title]
        spans += title_fragments(text, title_text(lines[title].text), body_lines, spans)
    for index in kept:
        spans += tail_credits(text, lines[index])
    by_line: dict[int, list[Span]] = {}
    for span in sorted(spans):
        by_line.setdefault(bisect_right(starts, span[0]) - 1, []).append(span)
    return by_line


def _consumed_lines(
    text: str, lines: list[Line], inline: Mapping[int, list[Span]]
) -> dict[int, str]:
    """Return removals for kept lines that inline spans leave without any visible text."""
    return {
        index: spans[0][2]
        for index, spans in inline.items()
        if not _effective_text(text, lines[index], spans).strip()
    }


def _line_breaks(
    text: str, lines: list[Line], removed: Mapping[int, str], inline: Mapping[int, list[Span]]
) -> list[Span]:
    """Return spans for the "\\n" of lines that break off in mid-sentence."""
    found = []
    for a, b in pairwise(kept_indices(lines, removed)):
        if b != a + 1:
            continue
        first = _effective_text(text, lines[a], inline.get(a, [])).strip()
        second = _effective_text(text, lines[b], inline.get(b, [])).lstrip()
        if (
            len(first) >= _JOIN_MIN_CHARS
            and "。" in first
            and first[-1].isalnum()
            and not ends_sentence(first)
            and not is_item(first)
            and second[:1].isalnum()
            and not is_item(second)
        ):
            indent = len(lines[b].text) - len(lines[b].text.lstrip())
            found.append((lines[a].end, lines[b].start + indent, "line_break"))
    return found


def _effective_text(text: str, line: Line, spans: list[Span]) -> str:
    """Return the line's text without the parts covered by its (sorted) spans."""
    pieces, position = [], line.start
    for start, end, _ in spans:
        pieces.append(text[position:start])
        position = max(position, end)
    pieces.append(text[position : line.end])
    return "".join(pieces)


def _assemble(
    text: str, lines: list[Line], removed: Mapping[int, str], spans: list[Span]
) -> tuple[str, tuple[Removal, ...]]:
    """Return the body and the merged removals, from line removals and inline spans."""
    spans = list(spans)
    kept = kept_indices(lines, removed)
    last_kept = kept[-1] if kept else None
    for line in lines:
        reason = removed.get(line.index) or ("blank_lines" if line.is_blank else None)
        if reason is None:
            continue
        if last_kept is not None and line.index > last_kept:
            # After the last kept line, take the "\n" before each line so the body does not end
            # with a newline.
            spans.append((line.start - 1, line.end, reason))
        else:
            has_newline = line.index < len(lines) - 1
            spans.append((line.start, line.end + has_newline, reason))
    merged: list[Span] = []
    for start, end, reason in sorted(spans, key=lambda s: (s[0], -s[1])):
        if end <= start or (merged and start < merged[-1][1]):
            # Rules never overlap by design; should two ever do, the first one wins, so the
            # body stays exactly the text outside the removals.
            continue
        if merged and merged[-1][1] == start and merged[-1][2] == reason:
            merged[-1] = (merged[-1][0], end, reason)
        else:
            merged.append((start, end, reason))
    pieces, position = [], 0
    for start, end, _ in merged:
        pieces.append(text[position:start])
        position = end
    pieces.append(text[position:])
    removals = tuple(Removal(start, end, text[start:end], reason) for start, end, reason in merged)
    return "".join(pieces), removals
