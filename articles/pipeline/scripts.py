"""Simplified and traditional Chinese: detection and conversion for matching."""

from functools import cache

import opencc

# Share of Chinese characters that change under traditional-to-simplified conversion
# above which a text is traditional. Simplified text changes at 0%; traditional news
# text changes at 20-40%; a simplified article quoting a traditional name stays far below.
TRADITIONAL_SHARE = 0.05


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Return text converted to simplified characters, code point for code point."""
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase-level conversion changed the length; fall back to characters so that
    # offsets into the converted text stay offsets into the original.
    return "".join(c if len(s := _t2s().convert(c)) != 1 else s for c in text)


def detect_script(text: str) -> str:
    """Return "traditional" or "simplified" for a Chinese text."""
    chinese = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not chinese:
        return "simplified"
    sample = "".join(chinese[:4000])
    changed = sum(a != b for a, b in zip(sample, to_simplified(sample), strict=True))
    return "traditional" if changed / len(sample) > TRADITIONAL_SHARE else "simplified"
