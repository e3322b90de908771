"""Search terms from jieba tokens: what goes into the tsvector and into queries."""

import re
import unicodedata
from collections import Counter
from functools import cache
from itertools import chain, islice

from articles.pipeline.scripts import HAN_RUN, to_simplified

# A term must contain a letter, a digit or a CJK character; punctuation-only tokens and
# whitespace are dropped. Dots and hyphens inside Latin words stay (e.g. IRIS-T).
_QUERY_SYNTAX = re.compile(r"[\s:'\\&|!()<>*]")
_WORDLIKE = re.compile(r"[0-9A-Za-z\u3400-\u9fff\U00020000-\U0003134f]")


_HAS_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def search_term(token: str, *, simplified: bool = False) -> str | None:
    """Return the index form of one token (simplified, NFKC, lowercase), or None to drop it.

    Pass simplified=True when the token was cut from already simplified text.
    """
    if HAN_RUN.fullmatch(token):
        # the common case, kept fast: plain ideographs are NFKC-stable and caseless
        return token if simplified else to_simplified(token)
    term = unicodedata.normalize("NFKC", token).strip().lower()
    if not term or not _WORDLIKE.search(term):
        return None
    # Whitespace, ':', quotes and operators never reach the index: terms stay plain words
    # in tsvector and tsquery literals (and in the vectors imported before they were quoted).
    term = _QUERY_SYNTAX.sub("", term)
    if not simplified and _HAS_CJK.search(term):
        term = to_simplified(term)
    return term or None


# PostgreSQL's limits on a tsvector (tsvector.h): positions run to 16383 (later words
# share the last), to_tsvector() keeps 255 positions a lexeme, a lexeme is shorter than
# 2 kB, and lexemes with their positions stay under 1 MB (an article longer than that
# is indexed as far as it fits, where to_tsvector() refused it).
MAX_POSITION = 16383
MAX_POSITIONS = 255
MAX_LEXEME_BYTES = 2046
MAX_VECTOR_BYTES = 1_000_000


def hyphen_parts(term: str) -> list[str]:
    """Return the parts of a hyphenated term (科西尼亚克-卡梅什), which the index holds too."""
    if "-" not in term:
        return []
    return [part for part in term.split("-") if part and part != term and _WORDLIKE.search(part)]


def lexeme(term: str) -> str:
    """Return term as one quoted lexeme of a tsvector or tsquery literal."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(title_terms: list[str], body_terms: list[str]) -> str:
    """Return the search vector of an article's terms, as a tsvector literal.

    Each term is one lexeme (no parser reads it again), title terms weighted A and body
    terms B, numbered on from the title as `setweight(…, 'A') || setweight(…, 'B')`
    numbers them. Built here, in the import's workers, rather than by to_tsvector() in
    PostgreSQL, which cost the database a millisecond an article. Queries use the same
    terms (articles.search), so a query word is always exactly a lexeme.
    """
    terms = title_terms + body_terms
    if not terms:
        return ""
    counts = Counter(terms)
    lexemes = "".join(counts)
    if (
        len(terms) > MAX_POSITION
        or max(counts.values()) > MAX_POSITIONS
        # every lexeme as long as 4 bytes a character: if that fits, the real thing does
        or max(map(len, counts)) * 4 > MAX_LEXEME_BYTES
        or 4 * len(lexemes) + 5 * len(counts) + 2 * len(terms) > MAX_VECTOR_BYTES
        or "'" in lexemes
        or "\\" in lexemes
    ):
        return _literal_within_limits(title_terms, body_terms)
    # The common case: one entry a word, 'term':position, repeated for a word that
    # recurs; PostgreSQL's tsvector input merges a lexeme's entries into one, positions
    # sorted, as it would have merged ours. Joined in C from the terms and ready-made
    # position marks ("':7B '", each with the next entry's opening quote), in one join
    # without a string an entry: 0.22 ms an article, where merging the entries in Python
    # first cost 1.35 ms; parsing the longer literal costs PostgreSQL ~0.1 ms.
    marks_a, marks_b = _marks()
    title_end = len(title_terms)
    entries = "".join(
        chain.from_iterable(
            chain(
                zip(title_terms, islice(marks_a, 1, None), strict=False),
                zip(body_terms, islice(marks_b, title_end + 1, None), strict=False),
            )
        )
    )
    return "'" + entries[:-2]  # without the last mark's " '"


@cache
def _marks() -> tuple[list[str], list[str]]:
    """Return each position's mark with weight A, and with weight B (~2 MB, made once)."""
    numbers = range(MAX_POSITION + 1)
    return [f"':{n}A '" for n in numbers], [f"':{n}B '" for n in numbers]


def _format(positions: dict[str, list[int]], title_end: int) -> str:
    parts = []
    for term, found in positions.items():
        marks = ",".join(f"{p}A" if p <= title_end else f"{p}B" for p in found)
        parts.append(f"{lexeme(term)}:{marks}")
    return " ".join(parts)


def _literal_within_limits(title_terms: list[str], body_terms: list[str]) -> str:
    """Return tsvector_literal's result for terms that reach PostgreSQL's limits."""
    positions: dict[str, list[int]] = {}
    size = 0
    position = 0
    for term in title_terms + body_terms:
        position = min(position + 1, MAX_POSITION)
        found = positions.get(term)
        if found is None:
            length = len(term.encode())
            # PostgreSQL counts a lexeme's bytes, alignment, a position count and
            # two bytes a position
            if length > MAX_LEXEME_BYTES or size + length + 5 > MAX_VECTOR_BYTES:
                continue  # as to_tsvector() skips a word too long to index
            size += length + 5
            positions[term] = [position]
        elif len(found) < MAX_POSITIONS and size + 2 <= MAX_VECTOR_BYTES and found[-1] != position:
            size += 2
            found.append(position)
    return _format(positions, min(len(title_terms), MAX_POSITION))
