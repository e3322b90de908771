"""Search terms from jieba tokens: what goes into the tsvector and into queries."""

import re
import unicodedata

from articles.pipeline.scripts import to_simplified

# A term must contain a letter, a digit or a CJK character; punctuation-only tokens and
# whitespace are dropped. Dots and hyphens inside Latin words stay (e.g. IRIS-T).
_QUERY_SYNTAX = re.compile(r"[\s:'\\&|!()<>*]")
_WORDLIKE = re.compile(r"[0-9A-Za-z\u3400-\u9fff\U00020000-\U0003134f]")


_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")
_HAS_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def search_term(token: str, *, simplified: bool = False) -> str | None:
    """Return the index form of one token (simplified, NFKC, lowercase), or None to drop it.

    Pass simplified=True when the token was cut from already simplified text.
    """
    if _CJK_WORD.fullmatch(token):
        # the common case, kept fast: plain ideographs are NFKC-stable and caseless
        return token if simplified else to_simplified(token)
    term = unicodedata.normalize("NFKC", token).strip().lower()
    if not term or not _WORDLIKE.search(term):
        return None
    # tsvector lexemes are separated by spaces in our token strings; ':' and quotes would
    # be read as tsquery syntax, so they never reach the index.
    term = _QUERY_SYNTAX.sub("", term)
    if not simplified and _HAS_CJK.search(term):
        term = to_simplified(term)
    return term or None
