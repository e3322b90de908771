"""The article as the rules read it: simplified text, quotations, sentences and mentions."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import NamedTuple

from articles.pipeline.attribution.results import MentionLike
from articles.pipeline.scripts import to_simplified

QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』", '"': '"'}
# Some outlets close a quotation with an opening mark: …各个方面进行,“佩斯科夫说.
WRONG_CLOSER = "“"
_QUOTE_MARK = re.compile('[“”「」『』"\n]')
_BOUNDARY = re.compile(r"[。！？!?\n]")
SENTENCE_PUNCT = frozenset("。！？!?")
QUOTE_PUNCT = re.compile(r"[,，。！？!?;；:：…]")
# Marks after which a quotation opens a sentence rather than sitting inside one.
_OPENS_AFTER = "\n。！？!?:：”」』"
# A short quotation inside a sentence without punctuation is a term (“和平计划”), not words.
SOFT_QUOTE_MAX = 12


@dataclass(frozen=True, slots=True)
class Quote:
    open: int  # the opening mark
    start: int  # the quoted text
    end: int
    close: int  # after the closing mark; the line break when the quotation is left open
    hard: bool  # a statement rather than a scare quote around a term


class Mention(NamedTuple):
    # A named tuple, not a dataclass: an article has hundreds, built on every call.
    start: int
    end: int
    entity_key: str
    kind: str
    parenthesised: bool  # a Latin repeat: 普京(Vladimir Putin)


_new_mention = partial(tuple.__new__, Mention)
_BY_OFFSETS = attrgetter("start", "end")


def find_quotes(text: str) -> list[Quote]:
    """Return the quotations of text; one left open ends with its paragraph."""
    quotes = []
    opened: tuple[int, str] | None = None  # (position, the closing mark expected)
    for match in _QUOTE_MARK.finditer(text):
        pos, mark = match.start(), match.group()
        if opened is None:
            if mark in QUOTE_PAIRS:
                opened = (pos, QUOTE_PAIRS[mark])
            continue
        start, closer = opened
        if mark == "\n":
            quotes.append(_quote(text, start, _trimmed_end(text, start, pos), pos))
            opened = None
        elif mark == closer or (closer == "”" and mark == WRONG_CLOSER):
            quotes.append(_quote(text, start, pos, pos + 1))
            opened = None
    if opened is not None:
        start = opened[0]
        quotes.append(_quote(text, start, _trimmed_end(text, start, len(text)), len(text)))
    return quotes


def _trimmed_end(text: str, start: int, end: int) -> int:
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return end


def _quote(text: str, open_: int, end: int, close: int) -> Quote:
    content = text[open_ + 1 : end]
    i = open_
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    at_start = i == 0 or text[i - 1] in _OPENS_AFTER
    soft = len(content) <= SOFT_QUOTE_MAX and not QUOTE_PUNCT.search(content) and not at_start
    return Quote(open_, open_ + 1, end, close, not soft)


class ArticleText:
    """The text in simplified script, its quotations, sentences and usable mentions."""

    def __init__(self, body: str, mentions: Sequence[MentionLike]) -> None:
        # Simplified code point for code point: 說 matches 说 at the same offset.
        self.text = text = to_simplified(body)
        self.quotes = find_quotes(text)
        self.mask = bytearray(len(text))  # 1 from an opening mark to after its closing mark
        for quote in self.quotes:
            self.mask[quote.open : quote.close] = b"\x01" * (quote.close - quote.open)
        self.quote_opens = [q.open for q in self.quotes]
        self.hard_closes = [q.close for q in self.quotes if q.hard]
        self.starts = [0]
        for boundary in _BOUNDARY.finditer(text):
            index = boundary.start()
            if self.mask[index]:
                continue
            if text[self.starts[-1] : index].strip():
                self.starts.append(index + 1)
            else:
                self.starts[-1] = index + 1  # 。 then a line break make one boundary
        usable = []
        for m in sorted(mentions, key=_BY_OFFSETS):
            if 0 <= m.start < m.end <= len(text) and not self.mask[m.start]:
                before = text[max(0, m.start - 2) : m.start].rstrip()
                parenthesised = before.endswith(("(", "（"))
                # ~90 an article: made without the named tuple's Python-level __new__
                usable.append(_new_mention((m.start, m.end, m.entity_key, m.kind, parenthesised)))
        self.mentions = usable
        self.mention_starts = [m.start for m in usable]
        # A person or outlet before an anonymous description is not one of its modifiers.
        self.person_ends = frozenset(m.end for m in usable if m.kind in ("person", "outlet"))

    def sentence(self, pos: int) -> int:
        """Return the index of the sentence holding pos."""
        return bisect_right(self.starts, pos) - 1

    def sentence_bounds(self, index: int) -> tuple[int, int]:
        """Return the start and the end (its boundary character) of a sentence."""
        start = self.starts[index]
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.text)
        return start, end

    def opens_sentence(self, pos: int) -> bool:
        """Return whether only blanks stand between the start of pos's sentence and pos."""
        start, _ = self.sentence_bounds(self.sentence(pos))
        return not self.text[start:pos].strip()

    def window_start(self, pos: int) -> int:
        """Return where a speaker before pos may start: sentence start or last statement."""
        start = self.starts[self.sentence(pos)]
        i = bisect_right(self.hard_closes, pos) - 1
        return max(start, self.hard_closes[i]) if i >= 0 else start

    def quote_at(self, pos: int) -> Quote | None:
        """Return the quotation that opens at pos, or None."""
        i = bisect_left(self.quote_opens, pos)
        if i < len(self.quotes) and self.quotes[i].open == pos:
            return self.quotes[i]
        return None

    def quote_before(self, pos: int) -> Quote | None:
        """Return the last quotation opening before pos, or None."""
        i = bisect_left(self.quote_opens, pos) - 1
        return self.quotes[i] if i >= 0 else None

    def mentions_between(self, start: int, end: int) -> list[Mention]:
        """Return the mentions lying inside [start, end), in text order."""
        lo = bisect_left(self.mention_starts, start)
        hi = bisect_left(self.mention_starts, end, lo)
        return [m for m in self.mentions[lo:hi] if m.end <= end]

    def in_mention(self, pos: int) -> bool:
        """Return whether pos falls inside a mention."""
        i = bisect_right(self.mention_starts, pos) - 1
        return i >= 0 and self.mentions[i].end > pos

    def unparenthesised(self, mention: Mention) -> Mention:
        """Return the Chinese mention a parenthesised Latin one repeats, else the mention."""
        if not mention.parenthesised:
            return mention
        i = bisect_left(self.mention_starts, mention.start) - 1
        if i >= 0:
            before = self.mentions[i]
            if before.entity_key == mention.entity_key and mention.start - before.end <= 2:
                return before
        return mention
