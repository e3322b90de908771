"""Text normalisation: what analysts read (normalize_text) and what matching uses (match_key)."""

# Chinese text is full of full-width punctuation, which this code exists to handle.

import hashlib
import re
import unicodedata

_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")


def _folds(targets: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Return (variant, folded form) pairs from a map of folded form -> its variants."""
    return tuple((variant, folded) for folded, variants in targets.items() for variant in variants)


# Punctuation variants folded to one form for matching. NFKC has already turned full-width ASCII
# (，：（ and so on) into ASCII and "…" into "..."; these fold what NFKC leaves apart. A chain of
# str.replace is used because str.translate and regex classes are several times slower on CJK.
_FOLDS = _folds(
    {
        ",": "、",
        ".": "。｡",
        '"': "“”„‟「」『』〝〞‘’'《》〈〉",
        "[": "【",
        "]": "】",
        "(": "〔",
        ")": "〕",
        "-": "—–―‒−",
        "·": "・•‧∙",
        # Zero-width characters carry nothing for matching.
        "": "\u200b\u200c\u200d\u2060\ufeff",
    }
)


def normalize_text(text: str) -> str:
    """Return text in NFC with "\\n" line endings and no trailing whitespace on lines."""
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def match_key(text: str) -> str:
    """Return a folded form of text for matching and hashing only (never shown to analysts)."""
    text = unicodedata.normalize("NFKC", text)
    for variant, folded in _FOLDS:
        text = text.replace(variant, folded)
    # split() without arguments splits on any Unicode whitespace: collapses and strips at once.
    return " ".join(text.split()).lower()


def content_hash(body: str) -> str:
    """Return the SHA-256 hex digest of the body's match key."""
    return key_hash(match_key(body))


def key_hash(key: str) -> str:
    """Return content_hash(body) from body's match_key(), when that is at hand."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
