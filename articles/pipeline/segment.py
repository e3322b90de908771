"""Word segmentation: one jieba tokenizer per process, taught the domain lexicon."""

from __future__ import annotations

import hashlib
import logging
import operator
import re
import threading
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import accumulate, chain, islice, pairwise, repeat
from pathlib import Path
from typing import NamedTuple

import jieba
from jieba import finalseg

from articles.pipeline.filecache import cached, file_key
from articles.pipeline.hmm import hmm_cut, hmm_words
from articles.pipeline.lexicon import load_lexicon
from articles.pipeline.scripts import to_simplified
from articles.pipeline.search import hyphen_parts, search_term

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

# jieba's blocks (runs it segments) and what separates the rest (jieba 0.42.1).
_BLOCK = jieba.re_han_default
_SKIP = jieba.re_skip_default
# jieba-rs computes the dictionary route (Tokenizer._compiled_route); the HMM's guesses
# are always jieba's model (articles.pipeline.hmm): jieba-rs's own HMM breaks some ties
# differently, and cuts IRIS-T otherwise.
_HAN_BLOCK = re.compile(r"[\u4e00-\u9fd5]+")
# A word of characters jieba never puts in a block: it can never match the text, and
# only carries frequency into jieba-rs's total (see Tokenizer.__init__).
_PAD_WORD = "\ue000\ue001"
# jieba's block characters, one by one, and the ideographs jieba-rs also puts in its
# blocks but jieba does not (CJK extensions, compatibility ideographs: 0.42.1 stops at
# U+9FD5). A text without the latter is split into the same blocks by both.
_BLOCK_CHARS = frozenset(
    "+#&._%-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
) | frozenset(map(chr, range(0x4E00, 0x9FD6)))
_WIDER_BLOCK = re.compile(r"[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


_rjieba_default_taken = False
_rjieba_lock = threading.Lock()


def _compiled_segmenter():  # -> rjieba.Jieba | None
    """Return a jieba-rs segmenter no other tokenizer uses, or None without rjieba."""
    global _rjieba_default_taken
    try:
        import rjieba
    except ImportError:
        logging.getLogger(__name__).info("rjieba is not installed: segmenting with jieba alone")
        return None
    # Importing rjieba builds a segmenter of its own (behind rjieba.cut and the like, which
    # nothing here calls): the first tokenizer of the process takes it rather than
    # building a second one, ~0.1 s of every import worker's start-up.
    with _rjieba_lock:
        default = getattr(rjieba, "_DEFAULT_JIEBA", None)
        if not _rjieba_default_taken and isinstance(default, rjieba.Jieba):
            _rjieba_default_taken = True
            return default
    return rjieba.Jieba()


def _parse_frequencies(value: dict) -> tuple[dict[str, int], int]:
    return {word: int(freq) for word, freq in value["frequencies"]}, int(value["replaced"])


# Named tuples rather than frozen dataclasses: an article has ~1,000 tokens, and a frozen
# dataclass takes several times longer to build.
class Token(NamedTuple):
    text: str
    start: int
    end: int


_new_token = partial(tuple.__new__, Token)
# A Token's fields as C-level getters, for taking a whole article's tokens apart at once.
TOKEN_TEXT, TOKEN_START, TOKEN_END = map(operator.itemgetter, range(3))


class PosToken(NamedTuple):
    text: str
    start: int
    end: int
    pos: str


class Tokenizer:
    """jieba (never jieba's global tokenizer) with the domain words added once.

    With rjieba installed, jieba-rs finds the dictionary route through each block of
    text (about ten times faster than jieba) and the unknown-word guesses come from
    jieba's HMM (articles.pipeline.hmm): the words are exactly jieba's. jieba itself
    then only serves to work out the domain words' frequencies and is let go, which
    saves each process its dictionary (~50 MB). Without rjieba, jieba does everything.
    """

    def __init__(self, words: Iterable[tuple[str, str]], *, compiled: bool = True) -> None:
        self._words = tuple(words)
        self._pos = None  # a jieba.posseg.POSTokenizer, built on first use
        self._pos_lock = threading.Lock()
        # word -> its search term (None for none), and -> the term's sub-words where it
        # has any: see search_tokens
        self._terms: dict[str, str | None] = {}
        self._subwords: dict[str, tuple[str, ...]] = {}
        self.domain_kinds: dict[str, str] = {}
        for surface, kind in self._words:
            for word in (surface, to_simplified(surface)):
                if _JIEBA_WORD.fullmatch(word) and not word.isascii():
                    self.domain_kinds.setdefault(word, kind)
        self._jieba = None
        self._compiled = _compiled_segmenter() if compiled else None
        if self._compiled is None:
            self._load_jieba()
            self._known = self._jieba.FREQ.get
            return
        # The domain words' frequencies take jieba's dictionary (1.4 s of CPU to read)
        # and come out the same every time: a process reads them from the cache when
        # an earlier one worked them out for the same words, jieba and code.
        frequencies, replaced = cached(
            "domain-word-frequencies.json",
            [
                jieba.__version__,
                *file_key(Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)),
                DOMAIN_WORD_FREQ,
                hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
                list(self.domain_kinds.items()),
            ],
            self._domain_frequencies,
            _parse_frequencies,
        )
        for word, freq in frequencies.items():
            self._compiled.add_word(word, freq, None)
        # jieba adds a word's new frequency to its total without taking off the old one
        # (for a domain word already in its dictionary); jieba-rs replaces it. A word
        # scores log(freq / total) in both: the totals must be equal.
        self._compiled.add_word(_PAD_WORD, replaced or 1, None)
        # has_word is true exactly for the words with a frequency (not for prefixes)
        self._known = self._compiled.has_word
        self._jieba = None

    def _domain_frequencies(self) -> dict:
        """Return the domain words' frequencies in jieba, and what they replaced (see below)."""
        replaced = self._load_jieba()
        frequencies = [[word, self._jieba.FREQ[word]] for word in self.domain_kinds]
        return {"frequencies": frequencies, "replaced": replaced}

    def _load_jieba(self) -> int:
        """Load jieba's dictionary with the domain words added; return what they replaced.

        That is the frequency jieba's total keeps for the domain words it already had.
        """
        self._jieba = jieba.Tokenizer()
        # Read from the dictionary file rather than from jieba's cache: the cache's
        # strings come back interned, which Python 3.12 never frees.
        self._jieba.FREQ, self._jieba.total = self._jieba.gen_pfdict(self._jieba.get_dict_file())
        self._jieba.initialized = True
        replaced = sum(self._jieba.FREQ.get(word) or 0 for word in self.domain_kinds)
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
        return replaced

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
        return len(parts) > 1 and all(len(p) > 1 and self._jieba.FREQ.get(p) for p in parts)

    def cut(self, text: str) -> list[Token]:
        """Return the tokens of text (jieba with HMM), offsets in code points into text."""
        simplified = to_simplified(text)
        words = self.words(simplified)
        # ~1,300 tokens an article, made without a Python-level step each: offsets summed
        # and tokens built (with tuple.__new__, not a NamedTuple's own __new__) in C, and
        # the words themselves taken as the tokens' text when the text was simplified.
        ends = list(accumulate(map(len, words)))
        starts = [0, *ends[:-1]] if ends else []
        if simplified != text:
            words = list(map(text.__getitem__, map(slice, starts, ends)))
        return list(map(_new_token, zip(words, starts, ends, strict=True)))

    def words(self, simplified: str) -> list[str]:
        """Return jieba's words of simplified text (jieba.Tokenizer.cut with HMM)."""
        if self._compiled is None:
            return list(self._jieba.cut(simplified, HMM=True))
        # jieba.Tokenizer.cut and __cut_DAG, with the route from jieba-rs. For a text whose
        # blocks jieba-rs splits as jieba does (no wider ideographs), one call gives every
        # block's route and jieba's words for the rest (whitespace, one word a character):
        # about a third faster than a call a block (~140 an article), with the same words
        # (tests/articles/test_pipeline_segment.py).
        if _WIDER_BLOCK.search(simplified):
            return self._with_guesses(self._route_by_block(simplified))
        return self._with_guesses(self._compiled.cut(simplified, False))

    def _route_by_block(self, simplified: str) -> Iterator[str]:
        """Yield the dictionary route through each of jieba's blocks, and the rest as jieba."""
        for block in _BLOCK.split(simplified):
            if not block:
                continue
            if _BLOCK.match(block):
                yield from self._compiled_route(block)
            else:
                for part in _SKIP.split(block):
                    if _SKIP.match(part):
                        yield part
                    else:
                        yield from part

    def _with_guesses(self, route: Iterable[str]) -> list[str]:
        """Return the route's words with its runs of single characters guessed by the HMM.

        A run is the single characters of a block in a row, with the unknown Latin words
        jieba-rs joined them into (see _compiled_route); anything else ends it, and two
        blocks never touch.
        """
        words: list[str] = []
        run = ""  # single characters in a row, which the HMM may join into words
        known, block_chars = self._known, _BLOCK_CHARS
        for word in route:
            if len(word) == 1:
                if word in block_chars:
                    run += word
                    continue
            elif word.isascii() and word[0] in block_chars and not known(word):
                run += word
                continue
            if run:
                self._guess(run, words)
                run = ""
            words.append(word)
        if run:
            self._guess(run, words)
        return words

    def _compiled_route(self, block: str) -> list[str]:
        """Return the words of jieba's dictionary route through a block, from jieba-rs.

        Without the HMM, jieba and jieba-rs join Latin letters and digits that the route
        leaves single (2025, IRIS-T): those are split again. The only Latin dictionary
        words (C++, AT&T, ...) always beat their letters. Compared with jieba's own route
        on 174,000 blocks of the samples, synthetic articles and scrambled text: the same.
        """
        route = self._compiled.cut(block, False)
        if not _HAN_BLOCK.fullmatch(block):
            split = []
            for word in route:
                if len(word) > 1 and word.isascii() and not self._known(word):
                    split.extend(word)
                else:
                    split.append(word)
            return split
        return route

    def _guess(self, run: str, words: list[str]) -> None:
        """Append the words of a run of single characters (jieba.finalseg.cut's)."""
        if len(run) == 1:
            words.append(run)
        elif self._known(run):
            words.extend(run)
        elif finalseg.Force_Split_Words:  # never set by Tanpan; jieba's own path then
            words.extend(finalseg.cut(run))
        else:
            # finalseg.cut: the HMM on Han parts, numbers and Latin words (514.227) whole
            for part in finalseg.re_han.split(run):
                if not part:
                    continue
                if finalseg.re_han.match(part):
                    words.extend(hmm_cut(part))
                else:
                    words.extend(x for x in finalseg.re_skip.split(part) if x)

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

    def hmm_pos(self, text: str, min_length: int = 1) -> list[PosToken]:
        """Return the words of cut_pos(text) that jieba's HMM guessed (not dictionary words).

        The same words and tags as cut_pos gives them, at a fraction of the cost (see
        articles.pipeline.hmm); dictionary words, single characters and punctuation,
        which cut_pos tags from its table, are left out, and so are runs of unknown
        characters shorter than min_length (no word of min_length can come out of them).
        """
        simplified = to_simplified(text)
        return [
            PosToken(text[start:end], start, end, tag)
            for start, end, tag in hmm_words(
                simplified, self._route, self.in_dictionary, min_length=min_length
            )
        ]

    def _route(self, block: str) -> list[int]:
        """Return the end of the word starting at each position on jieba's best route."""
        if self._compiled is None:
            route: dict[int, tuple[float, int]] = {}
            self._jieba.calc(block, self._jieba.get_DAG(block), route)
            return [route[i][1] + 1 for i in range(len(block))]
        ends = [0] * len(block)
        start = 0
        for word in self._compiled_route(block):
            ends[start] = start = start + len(word)
        return ends

    def in_dictionary(self, word: str) -> bool:
        """Return whether the (simplified) word is a dictionary or domain word."""
        return bool(self._known(word))

    def _pos_tokenizer(self):  # -> jieba.posseg.POSTokenizer
        # Built on first use: reading the tag table costs about a second, and the
        # import never needs it (Tokenizer.hmm_pos gives the tags it uses).
        with self._pos_lock:
            if self._pos is None:
                # Imported here: jieba.posseg loads its tag table (about 45 MB) at import,
                # which processes that never tag (the import's main process) do without.
                import jieba.posseg

                # posseg needs jieba's dictionary, let go when jieba-rs segments
                plain = self if self._jieba is not None else Tokenizer(self._words, compiled=False)
                # POSTokenizer.__init__ would read the whole tag table a second time;
                # this one shares the module's (jieba 0.42.1 keeps just these two fields).
                pos = object.__new__(jieba.posseg.POSTokenizer)
                pos.tokenizer = plain._jieba
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
    search mode does), so a query for 国防 finds 乌克兰国防联络小组, and a hyphenated
    word its parts (卡梅什 finds 科西尼亚克-卡梅什). Each pair of
    neighbouring words also yields their concatenation (停火 协议 -> 停火协议), which lets
    the index answer two-word phrases without reading word positions. Sub-words and pairs
    come after all the words, so that phrase queries still see the words next to each other.
    Pass tokens when text was already cut, to segment it only once.
    """
    tokenizer = tokenizer or get_tokenizer()
    simplified = to_simplified(text)  # once, not per token
    if tokens is None:
        tokens = tokenizer.cut(text)
    if simplified == text:  # the tokens' own text
        words = list(map(TOKEN_TEXT, tokens))
    else:
        words = list(
            map(
                simplified.__getitem__, map(slice, map(TOKEN_START, tokens), map(TOKEN_END, tokens))
            )
        )
    known, subwords = tokenizer._terms, tokenizer._subwords
    if len(known) > TERM_MEMORY:
        known.clear()
        subwords.clear()
    # An article's ~1,300 words are mostly ones seen before: each is worked out once, and
    # the rest is looked up without a Python-level step a word.
    for word in set(words).difference(known):
        known[word], found = _search_term_and_subwords(word, tokenizer)
        if found:
            subwords[word] = found
    terms = list(filter(None, map(known.__getitem__, words)))  # a term is never ""
    extra = dict.fromkeys(chain.from_iterable(map(subwords.get, words, repeat(()))))
    if max(map(len, terms), default=0) * 2 <= PAIR_LIMIT:
        # no pair can be too long (nearly every article): concatenated in C, a third faster
        pairs = dict.fromkeys(map(operator.add, terms, islice(terms, 1, None)))
    else:
        pairs = dict.fromkeys(a + b for a, b in pairwise(terms) if len(a) + len(b) <= PAIR_LIMIT)
    return terms + list(extra) + list(pairs)


TERM_MEMORY = 50_000  # distinct words search_tokens remembers (~12 MB at most)


def _search_term_and_subwords(
    word: str, tokenizer: Tokenizer
) -> tuple[str | None, tuple[str, ...]]:
    term = search_term(word, simplified=True)
    if term is None or len(term) <= 2:
        return term, ()
    # 卡梅什 finds 科西尼亚克-卡梅什
    parts = hyphen_parts(term)
    if tokenizer.domain_kinds.get(term) not in (None, "organisation"):
        # sub-words of a name are noise (克兰 in 乌克兰); a compound's are not
        return term, tuple(parts)
    return term, (*parts, *_subwords(term, tokenizer))


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
