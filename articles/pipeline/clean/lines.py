"""Lines of a normalised text and the cheap features the cleaning rules look at."""

# Chinese text is full of full-width punctuation, which this code exists to handle.

import re
from dataclasses import dataclass

TITLE_MAX_CHARS = 64
# Punctuation that ends a sentence, and closers that may follow it (”。 or 。” both occur).
SENTENCE_END = frozenset("。！？!?…")
CLOSERS = frozenset("”’」』\"')）】》")
# Punctuation after which a new clause starts.
CLAUSE_PUNCT = frozenset("，,。：:；;！？!?、")
# Any punctuation that makes a line read as prose rather than as a label or a link.
PROSE_PUNCT = re.compile("[，,。；;：:！？!?、]")

_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_TEN_CJK = re.compile("(?:[^\u3400-\u9fff\uf900-\ufaff]*[\u3400-\u9fff\uf900-\ufaff]){10}")
_CONTENT_CHAR = re.compile(r"[^\W_]")
_LIST_ITEM = re.compile(r"\s*(?:[-*+]\s+|[•●▪◆◇■□►▶➤]\s*)\S")
_LATIN_ONLY = re.compile(r"[A-Za-z0-9\s.,:;!?'\"»«›‹>&@#/()\[\]|+\-–—…]+")


@dataclass(frozen=True, slots=True)
class Line:
    index: int
    start: int  # code-point offset of the line's first character in the text
    end: int  # offset just past its last character; the "\n" (if any) sits at end
    text: str
    stripped: str  # text without surrounding whitespace, what the rules look at
    is_blank: bool
    is_prose: bool  # see is_prose()


def split_lines(text: str) -> list[Line]:
    """Return the text's lines ("\\n"-separated) with their offsets and features."""
    lines = []
    start = 0
    for index, part in enumerate(text.split("\n")):
        stripped = part.strip()
        lines.append(
            Line(
                index=index,
                start=start,
                end=start + len(part),
                text=part,
                stripped=stripped,
                is_blank=not stripped,
                is_prose=is_prose(stripped),
            )
        )
        start += len(part) + 1
    return lines


def is_cjk(char: str) -> bool:
    """Return whether a single character is a CJK ideograph."""
    return bool(_CJK.match(char))


def content_count(s: str) -> int:
    """Return how many letters, digits and ideographs s contains."""
    return len(_CONTENT_CHAR.findall(s))


def is_item(s: str) -> bool:
    """Return whether s is a bulleted list item ("- …", "• …")."""
    return bool(_LIST_ITEM.match(s))


def is_latin_only(s: str) -> bool:
    """Return whether s is written without any CJK (a UI string on a Chinese page)."""
    return bool(_LATIN_ONLY.fullmatch(s)) and any(c.isalpha() for c in s)


def ends_sentence(s: str) -> bool:
    """Return whether s ends with sentence-final punctuation (possibly before a closing quote)."""
    s = s.rstrip()
    while s and s[-1] in CLOSERS:
        s = s[:-1]
    return bool(s) and s[-1] in SENTENCE_END


def ends_open(s: str) -> bool:
    """Return whether s ends with a colon, i.e. it introduces what follows."""
    s = s.rstrip()
    return bool(s) and s[-1] in ":："


def is_prose(s: str) -> bool:
    """Return whether s reads as a paragraph of running text rather than a label or a link."""
    if is_item(s) or not PROSE_PUNCT.search(s) or not _TEN_CJK.match(s):
        return False
    return ends_sentence(s) or len(s) >= 80


def is_title_like(s: str) -> bool:
    """Return whether the stripped line s could be a headline."""
    return (
        content_count(s) >= 4
        and len(s) <= TITLE_MAX_CHARS
        and not is_item(s)
        and not s.endswith("。")
        and not ends_open(s)
    )


def is_short_label(s: str, limit: int) -> bool:
    """Return whether s is a short label without any punctuation (menu entry, heading)."""
    return 0 < len(s) <= limit and not PROSE_PUNCT.search(s) and not is_item(s)
