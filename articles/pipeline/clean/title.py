"""The article's title: which line holds it, a lead that only repeats the text, and fallbacks."""

# Chinese text is full of full-width punctuation, which this code exists to handle.

import re
from collections.abc import Mapping

from articles.pipeline.clean.blocks import kept_indices, prose_bounds
from articles.pipeline.clean.chrome import is_dateline_meta
from articles.pipeline.clean.lines import Line, content_count, is_prose, is_title_like
from articles.pipeline.normalize import match_key

UNTITLED = "无标题"
# A first line this long is the title even if a longer title-like line follows it.
_CONFIDENT_TITLE_CHARS = 8
# Lines above the title this short (and not prose) are site names and menu leftovers.
_HEAD_CHROME_CHARS = 20
# A lead paragraph is a repeated summary when this share of its 8-grams recurs in the text.
_SUMMARY_GRAM = 8
_SUMMARY_COVERAGE = 0.6
_SUMMARY_MAX_GRAMS = 80
_SUMMARY_SEARCH_CHARS = 50_000
_FALLBACK_MAX_CHARS = 40
_FALLBACK_CUT_CHARS = 30

# "标题 - 某某网", "标题_新闻_某某网": a site name after the headline in a page's <title>.
_SITE_SUFFIX = re.compile(
    r"(?:\s*[_|｜]\s*|\s+[-–—]\s+)[^_|｜\-–—]{1,12}?"
    r"(?:网|網|新闻|新聞|频道|頻道|日报|日報|时报|時報|晚报|晚報|报|報|社|在线|在線|"
    r"\.com|\.cn|\.net|\.tw|\.hk)$",
    re.IGNORECASE,
)
_LEADING_DATELINE = re.compile(r"^[（(【\[][^（）()【】\[\]]{1,30}[）)】\]]\s*")
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")
_CLAUSE_BREAK = re.compile("[，,；;：:]")


def choose_title(lines: list[Line], removed: Mapping[int, str]) -> int | None:
    """Return the index of the title line above the article's prose, or None."""
    bounds = prose_bounds(lines, removed)
    kept = kept_indices(lines, removed)
    head = [i for i in kept if bounds is None or i < bounds[0]]
    candidates = [i for i in head if is_title_like(lines[i].stripped)]
    if not candidates:
        return None
    first = candidates[0]
    if first == kept[0] and len(lines[first].stripped) >= _CONFIDENT_TITLE_CHARS:
        return first
    # Above the title a whole-page dump carries site names and menu entries, which are short.
    long_enough = [i for i in candidates if len(lines[i].stripped) >= _CONFIDENT_TITLE_CHARS]
    if long_enough:
        return max(long_enough, key=lambda i: (len(lines[i].stripped), i))
    return candidates[-1]


def head_chrome(lines: list[Line], removed: Mapping[int, str], title: int) -> dict[int, str]:
    """Return removals for short non-prose lines above the title (site names, menu leftovers)."""
    found = {}
    for index in kept_indices(lines, removed):
        if index >= title:
            break
        s = lines[index].stripped
        if len(s) <= _HEAD_CHROME_CHARS and not lines[index].is_prose:
            found[index] = "navigation"
    return found


def byline_lines(lines: list[Line], removed: Mapping[int, str], title: int) -> dict[int, str]:
    """Return removals for date lines between the title and the first paragraph."""
    bounds = prose_bounds(lines, removed)
    found = {}
    for index in kept_indices(lines, removed):
        if index <= title:
            continue
        if bounds is None or index >= bounds[0]:
            break
        if is_dateline_meta(lines[index].stripped):
            found[index] = "source_line"
    return found


def title_text(line: str) -> str:
    """Return the headline of a title line, without a trailing site name."""
    title = line.strip()
    for _ in range(2):
        shorter = _SITE_SUFFIX.sub("", title).strip()
        if content_count(shorter) < 4:
            break
        title = shorter
    return title


def repeated_summary(
    lines: list[Line], removed: Mapping[int, str], title: int | None
) -> dict[int, str]:
    """Return a removal for a lead paragraph whose text recurs later (a summary, not content)."""
    kept = [i for i in kept_indices(lines, removed) if i != title]
    if len(kept) < 2:
        return {}
    lead = kept[0]
    if not lines[lead].is_prose:
        return {}
    lead_key = _gram_text(lines[lead].stripped)
    # The repetition sits within the article; a bounded stretch keeps huge files cheap.
    rest = _gram_text("\n".join(lines[i].stripped for i in kept[1:])[:_SUMMARY_SEARCH_CHARS])
    grams = {lead_key[j : j + _SUMMARY_GRAM] for j in range(len(lead_key) - _SUMMARY_GRAM + 1)}
    if not grams:
        return {}
    # A sorted sample bounds the work on a very long lead; membership is a fast substring search.
    sample = sorted(grams)[:: max(1, len(grams) // _SUMMARY_MAX_GRAMS)]
    covered = sum(gram in rest for gram in sample)
    return {lead: "repeated_summary"} if covered >= _SUMMARY_COVERAGE * len(sample) else {}


def _gram_text(s: str) -> str:
    """Return the match key of s without spaces, the text n-grams are taken from."""
    # Line breaks become spaces in match_key and then go, so an n-gram may span two lines:
    # harmless for a coverage estimate.
    return match_key(s).replace(" ", "")


def fallback_title(body: str) -> str:
    """Return a title made from the body's first sentence, for texts without a title line."""
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    if not lines:
        return UNTITLED
    first = next((s for s in lines if is_prose(s)), lines[0])
    first = _LEADING_DATELINE.sub("", first) or first
    match = _SENTENCE.match(first)
    sentence = (match.group() if match else first).rstrip("。！？!? ")
    if len(sentence) <= _FALLBACK_MAX_CHARS:
        return sentence or UNTITLED
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(sentence, 0, _FALLBACK_MAX_CHARS + 1)]
    cut = breaks[-1] if breaks and breaks[-1] >= 10 else _FALLBACK_CUT_CHARS
    return sentence[:cut].rstrip() + "…"
