"""Noise inside lines that are otherwise kept: SEO phrases, headline fragments, credit tails.

A span is (start, end, reason) with offsets into the whole text.
"""

# Chinese text is full of full-width punctuation, which this code exists to handle.

import re
from collections import Counter

from articles.pipeline.clean.lines import CLAUSE_PUNCT, Line, is_cjk

Span = tuple[int, int, str]

# --- Injected commercial phrases ---------------------------------------------------------------
# SEO spam puts a business name ("湛江市某某建筑工程客服中心") into sentences, often twice.
_BUSINESS_SUFFIX = re.compile(
    "有限公司|客服中心|服务中心|服務中心|客服电话|客服電話|公司|中心|客服|工厂|工廠|厂家|廠家|门店|"
    "門店|专卖店|專賣店|维修点|維修點|维修部|維修部|售后|售後|热线|熱線"
)
_PLACE_MARK = re.compile("[市省县縣区區镇鎮]|某某")
_PLACEHOLDER_BUSINESS = re.compile(
    f"[\u4e00-\u9fff]{{2}}[市县縣区區]某某[\u4e00-\u9fff]{{0,12}}?(?:{_BUSINESS_SUFFIX.pattern})"
)
_PHRASE_CORE = 6
_MAX_CANDIDATES = 32
_RELATED_WINDOW = 50_000
_PHRASE_MAX = 30
# Share of a phrase's bigrams that may occur elsewhere before it counts as the article's own.
_RELATED_BIGRAMS = 0.25


def injected_phrases(text: str) -> list[Span]:
    """Return spans of business names stuffed into the text that have nothing to do with it."""
    phrases: set[str] = set()
    # Each occurrence of a repeated phrase ends in the same six characters: only those recur.
    cores = Counter(
        text[max(0, m.end() - _PHRASE_CORE) : m.end()] for m in _BUSINESS_SUFFIX.finditer(text)
    )
    candidates = [
        core
        for core, count in cores.items()
        if count >= 2 and len(core) == _PHRASE_CORE and all(map(is_cjk, core))
    ]
    # Each candidate costs a pass over the text; a real page has a handful at most.
    for core in candidates[:_MAX_CANDIDATES]:
        phrase = _maximal_repeat(text, core)
        if phrase and _PLACE_MARK.search(phrase) and not _is_related(phrase, text):
            phrases.add(phrase)
    placeholders = dict.fromkeys(m.group() for m in _PLACEHOLDER_BUSINESS.finditer(text))
    for phrase in list(placeholders)[:_MAX_CANDIDATES]:
        if not _is_related(phrase, text):
            phrases.add(phrase)
    spans = []
    for phrase in phrases:
        spans.extend(
            (m.start(), m.end(), "injected_phrase") for m in re.finditer(re.escape(phrase), text)
        )
    return _drop_overlaps(spans)


def _maximal_repeat(text: str, core: str) -> str | None:
    """Return core extended over the CJK characters shared by all its occurrences, if it recurs."""
    starts = [m.start() for m in re.finditer(re.escape(core), text)]
    if len(starts) < 2:
        return None
    left = 0
    while left < _PHRASE_MAX and _same_cjk(text, [s - left - 1 for s in starts]):
        left += 1
    right = 0
    while right < _PHRASE_MAX and _same_cjk(text, [s + len(core) + right for s in starts]):
        right += 1
    phrase = text[starts[0] - left : starts[0] + len(core) + right]
    return phrase if len(phrase) <= _PHRASE_MAX else None


def _same_cjk(text: str, positions: list[int]) -> bool:
    """Return whether all positions hold the same CJK character."""
    if any(p < 0 or p >= len(text) for p in positions):
        return False
    chars = {text[p] for p in positions}
    return len(chars) == 1 and is_cjk(chars.pop())


def _is_related(phrase: str, text: str) -> bool:
    """Return whether the phrase's bigrams also occur in the text outside the phrase."""
    rest = text[:_RELATED_WINDOW].replace(phrase, "\n")
    bigrams = {phrase[i : i + 2] for i in range(len(phrase) - 1)}
    return sum(b in rest for b in bigrams) > _RELATED_BIGRAMS * len(bigrams)


# --- Headline fragments ------------------------------------------------------------------------
# Injected 2-4 character pieces of the headline ("头谈", "席北", "和平计划") sit in the first
# paragraphs where a phrase starts (after a clause's punctuation or after 的) or alone at the end
# of a line after the sentence has ended. Being conservative, a piece is removed only when:
# - the page shows the pattern unmistakably: a piece dangles after a full stop, three in all;
# - the rest of the article never uses the piece on its own (with neighbours from the headline,
#   as in "缺席北约外长会", it is the article's own word);
# - it dangles, or the same piece was stuffed in at least twice.
_FRAGMENT_ZONE_LINES = 6
_MIN_TRUSTED_CHARS = 100
_TRUSTED_CHARS = 30_000
_MIN_FRAGMENTS = 3
_FULL_STOP = frozenset("。！？!?；;")
# Clause openers that cannot follow a subject: "美俄然而…" puts a stuffed keyword before one.
_CONNECTIVE_LEAD = re.compile(
    "(?:^|(?<=[，,。：:；;！？!?]))([\u4e00-\u9fff]{2,4}?)(?=然而|但是|此外|而且|并且|並且)"
)


def title_fragments(
    text: str, title: str, body_lines: list[Line], blocked: list[Span]
) -> list[Span]:
    """Return spans of headline pieces stuffed into the first paragraphs after the title."""
    zone, trusted = body_lines[:_FRAGMENT_ZONE_LINES], body_lines[_FRAGMENT_ZONE_LINES:]
    if len(title) < 4 or sum(len(line.text) for line in trusted) < _MIN_TRUSTED_CHARS:
        return []
    pieces = {title[i:j] for i in range(len(title)) for j in range(i + 1, len(title) + 1)}
    found: list[tuple[int, int, bool]] = []  # (start, end, dangling)
    for line in zone:
        for start, end in _title_matches(text, line, pieces):
            piece = text[start:end]
            if not 2 <= len(piece) <= 4 or not all(map(is_cjk, piece)):
                continue
            if any(s < end and start < e for s, e, _ in blocked):
                continue
            before = _char_before(text, start, line.start, blocked)
            after = _char_after(text, end, line.end, blocked)
            if after is None and before in _FULL_STOP:
                found.append((start, end, True))
            elif after is not None and is_cjk(after) and _opens_phrase(before):
                found.append((start, end, False))
    if not any(dangling for _, _, dangling in found):
        return []
    # Only now, on a page that shows the pattern, learn which pieces the article uses itself
    # (from a bounded stretch of text: a few thousand characters show an article's words).
    natural = {
        text[i:j]
        for line in _head(trusted, _TRUSTED_CHARS)
        for i, j in _title_matches(text, line, pieces)
    }
    found = [f for f in found if text[f[0] : f[1]] not in natural]
    # A piece seen once at the start of a clause may just be the article's word ("，呼吁欧洲…");
    # stuffed pieces are repeated, or left dangling at a line end.
    counts = Counter(text[start:end] for start, end, _ in found)
    found = [f for f in found if f[2] or counts[text[f[0] : f[1]]] >= 2]
    if len(found) < _MIN_FRAGMENTS or not any(dangling for _, _, dangling in found):
        return []
    title_chars = set(title)
    for line in zone:
        for match in _CONNECTIVE_LEAD.finditer(line.text):
            if set(match.group(1)) <= title_chars:
                found.append((line.start + match.start(1), line.start + match.end(1), False))
    return _drop_overlaps([(start, end, "title_fragment") for start, end, _ in found])


def _head(lines: list[Line], chars: int) -> list[Line]:
    """Return the first lines of the list, up to about chars characters."""
    total = 0
    for count, line in enumerate(lines):
        total += len(line.text)
        if total > chars:
            return lines[: count + 1]
    return lines


def _opens_phrase(before: str | None) -> bool:
    """Return whether a piece after this character starts a clause or a noun phrase."""
    return before is None or before in CLAUSE_PUNCT or before == "的"


def _title_matches(text: str, line: Line, pieces: set[str]) -> list[tuple[int, int]]:
    """Return (start, end) of the longest headline pieces (2+ chars) in a line, left to right."""
    matches = []
    i, end = line.start, line.end
    while i < end:
        if text[i] not in pieces:  # single characters of the title are pieces too
            i += 1
            continue
        j = i
        while j < end and text[i : j + 1] in pieces:
            j += 1
        if j - i >= 2:
            matches.append((i, j))
            i = j
        else:
            i += 1
    return matches


def _char_before(text: str, position: int, line_start: int, blocked: list[Span]) -> str | None:
    """Return the character before position in its line, skipping blocked spans."""
    p = position - 1
    while p >= line_start:
        span = next((s for s in blocked if s[0] <= p < s[1]), None)
        if span is None:
            return text[p]
        p = span[0] - 1
    return None


def _char_after(text: str, position: int, line_end: int, blocked: list[Span]) -> str | None:
    """Return the character at position or after it in its line, skipping blocked spans."""
    p = position
    while p < line_end:
        span = next((s for s in blocked if s[0] <= p < s[1]), None)
        if span is None:
            return text[p]
        p = span[1]
    return None


# --- Credits and agency codes at the end of a paragraph -----------------------------------------
_TAIL_RULES = (
    (
        re.compile(
            r"\s*[（(]\s*(?:编辑|編輯|责任编辑|責任編輯|译者|譯者|核稿|校对|校對|编译|編譯)\s*[:：︰]"
            r"[^（）()\n]{1,30}[）)]\s*\d{6,8}$"
        ),
        "agency_code",
    ),
    (re.compile(r"\s*[（(\[【]\s*完\s*[）)\]】]$"), "agency_code"),
    (
        re.compile(
            r"\s*[（(【\[]\s*(?:责任编辑|責任編輯|责编|責編|编辑|編輯|记者|記者|作者|来源|來源|校对|校對|"
            r"审核|審核|实习生|實習生|编译|編譯|翻译|翻譯|撰稿|摄影|攝影|文|图|圖)\s*[:：︰/]"
            r"[^（）()【】\[\]\n]{1,30}[）)】\]]$"
        ),
        "credit",
    ),
)


def tail_credits(text: str, line: Line) -> list[Span]:
    """Return spans of credits and agency codes ending a paragraph ("（编辑：…）1140312")."""
    spans: list[Span] = []
    end = line.end
    # Every rule ends in a closing bracket or a digit; most paragraphs end otherwise.
    while end > line.start and (text[end - 1] in "）)】]" or text[end - 1].isdigit()):
        segment = text[line.start : end]
        for pattern, reason in _TAIL_RULES:
            match = pattern.search(segment)
            if match:
                spans.append((line.start + match.start(), end, reason))
                end = line.start + match.start()
                break
        else:
            break
    return spans


def _drop_overlaps(spans: list[Span]) -> list[Span]:
    """Return spans sorted by start, dropping any that overlaps an earlier one."""
    kept: list[Span] = []
    for span in sorted(spans):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept
