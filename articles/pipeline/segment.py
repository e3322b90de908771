"""Word segmentation: one jieba tokenizer per process, taught the domain lexicon."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import jieba

from articles.pipeline.lexicon import load_lexicon
from articles.pipeline.scripts import to_simplified
from articles.pipeline.search import search_term

# jieba logs its dictionary loading at DEBUG through its own stderr handler.
jieba.setLogLevel(logging.WARNING)

# jieba part-of-speech tags for the lexicon's kinds (ICTCLAS tag set, as jieba uses it).
POS_BY_KIND = {"person": "nr", "organisation": "nt", "place": "ns", "outlet": "nz"}

# Frequency given to domain names. jieba's dictionary totals ~60 million, its common
# words a few thousand to tens of thousands: at 50,000 a transliterated name beats any
# split of it (泽 + 连斯基, 佩 + 斯科夫) and any merge with a neighbour (泽连斯基 + 本周).
DOMAIN_WORD_FREQ = 50_000

# jieba keeps only runs of these characters together; a word with anything else in it
# (a middle dot, a space, brackets) can never come out of its cut, so it is not added.
_JIEBA_WORD = re.compile(r"[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PosToken:
    text: str
    start: int
    end: int
    pos: str


class Tokenizer:
    """One jieba.Tokenizer (never jieba's global one) with the domain words added once."""

    def __init__(self, words: Iterable[tuple[str, str]]) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self._pos = None  # a jieba.posseg.POSTokenizer, built on first use
        self._pos_lock = threading.Lock()
        self.domain_kinds: dict[str, str] = {}
        for surface, kind in words:
            for word in (surface, to_simplified(surface)):
                if _JIEBA_WORD.fullmatch(word) and not word.isascii():
                    self.domain_kinds.setdefault(word, kind)
        # Shorter words first, so that a compound is judged against the names it contains
        # (扎波罗热核电站 after 扎波罗热).
        for word in sorted(self.domain_kinds, key=len):
            if self._is_compound(word):
                # A compound of ordinary words (乌克兰国防部) must not out-score a better
                # split in context (乌克兰 + 国防部长): it gets just enough to stay whole.
                freq = self._jieba.suggest_freq(word) + 1
            else:
                freq = DOMAIN_WORD_FREQ
            self._jieba.add_word(word, freq, POS_BY_KIND.get(self.domain_kinds[word]))

    def _is_compound(self, word: str) -> bool:
        """Return whether word splits into two or more dictionary words of 2+ characters."""
        # jieba's own dictionary has some compounds (乌克兰国防部, freq 5): judge the split
        # with the whole word hidden.
        saved = self._jieba.FREQ.get(word)
        self._jieba.FREQ[word] = 0
        try:
            parts = list(self._jieba.cut(word, HMM=False))
        finally:
            if saved is None:
                del self._jieba.FREQ[word]
            else:
                self._jieba.FREQ[word] = saved
        return len(parts) > 1 and all(len(p) > 1 and self.in_dictionary(p) for p in parts)

    def cut(self, text: str) -> list[Token]:
        """Return the tokens of text (jieba with HMM), offsets in code points into text."""
        simplified = to_simplified(text)
        return [
            Token(text[start:end], start, end)
            for _, start, end in self._jieba.tokenize(simplified, HMM=True)
        ]

    def cut_pos(self, text: str) -> list[PosToken]:
        """Return the tokens of text with jieba part-of-speech tags (about 5x slower than cut)."""
        simplified = to_simplified(text)
        tokens = []
        offset = 0
        for pair in self._pos_tokenizer().cut(simplified, HMM=True):
            # posseg yields every character of its input in order; should it ever skip
            # one, finding the word again keeps the offsets true.
            if not simplified.startswith(pair.word, offset):
                found = simplified.find(pair.word, offset)
                if found == -1:
                    continue
                offset = found
            end = offset + len(pair.word)
            tokens.append(PosToken(text[offset:end], offset, end, pair.flag))
            offset = end
        return tokens

    def in_dictionary(self, word: str) -> bool:
        """Return whether the (simplified) word is a dictionary or domain word."""
        return bool(self._jieba.FREQ.get(word))

    def _pos_tokenizer(self):  # -> jieba.posseg.POSTokenizer
        # Built on first use: reading the tag table costs about a second, and most
        # callers never need part-of-speech tags.
        with self._pos_lock:
            if self._pos is None:
                # Imported here: jieba.posseg loads its tag table (about 45 MB) at import,
                # which processes that never tag (the import's main process) do without.
                import jieba.posseg

                # POSTokenizer.__init__ would read the whole tag table a second time;
                # this one shares the module's (jieba 0.42.1 keeps just these two fields).
                pos = object.__new__(jieba.posseg.POSTokenizer)
                pos.tokenizer = self._jieba
                pos.word_tag_tab = jieba.posseg.dt.word_tag_tab
                pos.makesure_userdict_loaded()
                self._pos = pos
            return self._pos


_tokenizer: Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def get_tokenizer() -> Tokenizer:
    """Return the process-wide tokenizer built from the domain lexicon."""
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            _tokenizer = Tokenizer(
                (surface, entry.kind) for entry in load_lexicon() for surface in entry.surfaces()
            )
        return _tokenizer


PAIR_LIMIT = 40  # longest indexed word pair, in characters


def search_tokens(
    text: str, tokenizer: Tokenizer | None = None, tokens: list[Token] | None = None
) -> list[str]:
    """Return the full-text index terms of text: simplified, lowercase, no punctuation.

    Words longer than two characters also yield their dictionary sub-words (as jieba's
    search mode does), so a query for 国防 finds 乌克兰国防联络小组. Each pair of
    neighbouring words also yields their concatenation (停火 协议 -> 停火协议), which lets
    the index answer two-word phrases without reading word positions. Sub-words and pairs
    come after all the words, so that phrase queries still see the words next to each other.
    Pass tokens when text was already cut, to segment it only once.
    """
    tokenizer = tokenizer or get_tokenizer()
    simplified = to_simplified(text)  # once, not per token
    terms: list[str] = []
    extra: dict[str, None] = {}
    for token in tokens if tokens is not None else tokenizer.cut(text):
        term = search_term(simplified[token.start : token.end], simplified=True)
        if term is None:
            continue
        if len(term) > 2 and tokenizer.domain_kinds.get(term) in (None, "organisation"):
            # Sub-words of a name are noise (克兰 in 乌克兰); those of a compound are not.
            extra.update(dict.fromkeys(_subwords(term, tokenizer)))
        terms.append(term)
    pairs = dict.fromkeys(a + b for a, b in pairwise(terms) if len(a) + len(b) <= PAIR_LIMIT)
    return terms + list(extra) + list(pairs)


def _subwords(word: str, tokenizer: Tokenizer) -> list[str]:
    """Return the two- and three-character dictionary words inside word."""
    found = []
    for size in (2, 3):
        if len(word) > size:
            found.extend(
                word[i : i + size]
                for i in range(len(word) - size + 1)
                if tokenizer.in_dictionary(word[i : i + size])
            )
    return found
