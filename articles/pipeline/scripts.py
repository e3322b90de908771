"""Simplified and traditional Chinese: detection and conversion for matching."""

import operator
import re
from functools import cache

import opencc

# Share of Chinese characters that change under traditional-to-simplified conversion
# above which a text is traditional. Simplified text changes at 0%; traditional news
# text changes at 20-40%; a simplified article quoting a traditional name stays far below.
TRADITIONAL_SHARE = 0.05
SCRIPT_SAMPLE = 4000  # ideographs counted


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


# Traditional forms as mainland converters, Taiwan and Hong Kong write them (s2tw, s2hk
# also use their own variant characters: 台/臺, 着/著).
_TRADITIONAL_CONFIGS = ("s2t", "s2tw", "s2hk")


# The import converts each article's body in several stages (segmentation, entities,
# attribution, search terms): the last long conversion is kept, as (text, converted).
_last: tuple[str, str] = ("", "")
_REMEMBER_FROM = 200  # characters; shorter texts are converted again (it costs less)

# Runs of CJK Unified Ideographs (the basic block): what script detection counts, and
# the plain words whose search term is themselves (articles.pipeline.search).
HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")


def to_simplified(text: str) -> str:
    """Return text converted to simplified characters, code point for code point."""
    global _last
    last = _last  # one read: another thread may replace it meanwhile
    if len(text) >= _REMEMBER_FROM and text == last[0]:
        return last[1]
    converted = _converter("t2s").convert(text)
    if len(converted) != len(text):
        # A phrase-level conversion changed the length; fall back to characters so that
        # offsets into the converted text stay offsets into the original.
        converted = "".join(c if len(s := _converter("t2s").convert(c)) != 1 else s for c in text)
    if len(text) >= _REMEMBER_FROM:
        _last = (text, converted)
    return converted


def script_forms(text: str) -> set[str]:
    """Return text as written in simplified and in traditional characters (its forms).

    A name found by its simplified form (as the import matches names) may stand in an
    article in any of these.
    """
    simplified = to_simplified(text)
    return {text, simplified} | {_converter(c).convert(simplified) for c in _TRADITIONAL_CONFIGS}


def detect_script(text: str) -> str:
    """Return "traditional" or "simplified" for a Chinese text."""
    # Judged on the conversion of the whole text, which the import has made already
    # (to_simplified keeps the last): the first 4,000 ideographs, compared in place.
    converted = to_simplified(text)
    if converted == text:  # most articles: nothing to count
        return "simplified"
    changed = counted = 0
    for run in HAN_RUN.finditer(text):
        start, end = run.start(), min(run.end(), run.start() + SCRIPT_SAMPLE - counted)
        changed += sum(map(operator.ne, text[start:end], converted[start:end]))
        counted += end - start
        if counted >= SCRIPT_SAMPLE:
            break
    return "traditional" if counted and changed / counted > TRADITIONAL_SHARE else "simplified"
