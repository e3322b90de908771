"""Search terms from jieba tokens: what goes into the tsvector and into queries."""

import re
import unicodedata
from collections.abc import Iterable

from articles.pipeline.scripts import to_simplified

# A term must contain a letter, a digit or a CJK character; punctuation-only tokens and
# whitespace are dropped. Dots and hyphens inside Latin words stay (e.g. IRIS-T).
_WORDLIKE = re.compile(r"[0-9A-Za-z\u3400-\u9fff\U00020000-\U0003134f]")


def search_term(token: str) -> str | None:
    """Return the index form of one token (simplified, NFKC, lowercase), or None to drop it."""
    term = unicodedata.normalize("NFKC", token).strip().lower()
    if not term or not _WORDLIKE.search(term):
        return None
    # tsvector lexemes are separated by spaces in our token strings; ':' and quotes would
    # be read as tsquery syntax, so they never reach the index.
    term = re.sub(r"[\s:'\\&|!()<>*]", "", term)
    return to_simplified(term) or None


def index_tokens(text: str, tokens: Iterable) -> list[str]:
    """Return the search terms for text's tokens (objects with .start and .end)."""
    terms = []
    for token in tokens:
        term = search_term(text[token.start : token.end])
        if term:
            terms.append(term)
    return terms
