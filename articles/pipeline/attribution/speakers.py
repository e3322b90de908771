"""Who speaks: the nearest mention, anonymous description or pronoun before a speech verb."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from articles.pipeline.attribution.results import Span
from articles.pipeline.attribution.text import ArticleText, Mention

# Unnamed speakers by their head noun; the description extends left over its modifiers.
ANON_HEAD = re.compile(
    r"消息人士|知情人士|消息来源|情报人士|分析人士|业内人士|外交官|分析师|官员|高官|人士|"
    r"发言人|专家|人员|(?<![地对双官西东南北前后一各])[美俄乌欧中英法德日韩]方"
)
# A side named by one character opening a clause: 乌称, 俄也表示.
_SIDE = re.compile(
    r"(?:^|(?<=[\s,，。！？!?:：;；]))[美俄乌欧中英法德日韩](?=(?:也|还|则|都|亦)?$)"
)
PRONOUN = re.compile(r"(?<![其吉])(?:他们|她们|他|她)(?![国人乡日方])")
# Reading leftwards, these end an anonymous description's modifiers.
_DESC_STOP_PAIRS = frozenset(
    ("援引", "引述", "引用", "报道", "报导", "告诉", "表示", "指出", "认为")
)
_DESC_STOP_CHARS = frozenset("据称说向对与和同给跟按在了是从为将把被由于")
_DESC_MAX = 12

# A mention after one of these is an object (向联邦安全会议表示), not the speaker. An
# institution after 在 is where something was said (在白宫对记者说), and so is a place after
# any of the wider set (在布鲁塞尔表示); but 自俄罗斯国防部1日宣布 is "since the ministry said".
_PREPOSITIONS = frozenset("向对与同给跟被让替")
_PREPOSITIONS_BY_KIND = {
    "organisation": _PREPOSITIONS | frozenset("在于"),
    "place": _PREPOSITIONS | frozenset("在于从到自赴"),
}
_TITLE = re.compile(r"[\u4e00-\u9fff]{0,6}")

PAREN = re.compile(r"\([^()\n]{0,60}\)|（[^（）\n]{0,60}）")
_GAP_BREAK = re.compile(r"[。！？!?\n]")
# At most one comma in a gap, closing a "when" frame: 佩斯科夫12日被问到…的回应时,告诉记者.
_GAP_COMMAS = re.compile(r"[^,，;；:：]*(?:时[,，])?")
# A longer gap is a scene: 在会后立即举行的新闻发布会上…发表讲话时, 在接受…采访时.
_GAP_SCENE = re.compile(r"(?:在|于|接受).*(?:时|中|上|后|前)[,，]?$")
GAP_MAX = 24
_GAP_SCENE_MAX = 40
# A country speaks only right before its verb (俄罗斯称); elsewhere it is a modifier.
_PLACE_GAP = re.compile(
    r"(?:\s|也|还|则|亦|都|曾|已|再|又|随后|当天|今天|同日|当日|周[一二三四五六日]|\d+月|\d+日)*"
)
# 援引佩斯科夫的话说: the speaker's 的 here is no possessive.
_CITED_WORDS = ("的话", "的说法", "的消息")


@dataclass(frozen=True, slots=True)
class Speaker:
    span: Span | None  # what the attribution records: for a pronoun, its antecedent
    anonymous: bool
    start: int  # the speaker phrase in the text (the pronoun itself for a pronoun)
    end: int


def gap_ok(gap: str) -> bool:
    """Return whether the text between a speaker and its verb is a plausible adverbial."""
    plain = PAREN.sub("", gap)
    if _GAP_BREAK.search(plain) or not _GAP_COMMAS.fullmatch(plain):
        return False
    size = len(plain.strip())
    return size <= GAP_MAX or (size <= _GAP_SCENE_MAX and bool(_GAP_SCENE.search(plain)))


def is_object(art: ArticleText, mention: Mention) -> bool:
    """Return whether a mention follows a preposition, perhaps behind a title (向俄罗斯总统普京)."""
    prepositions = _PREPOSITIONS_BY_KIND.get(mention.kind, _PREPOSITIONS)
    start = mention.start
    for _ in range(3):
        if start > 0 and art.text[start - 1] in prepositions:
            return True
        # Step over a place or organisation heading a title: 向|俄罗斯|总统|普京.
        heads = [
            m
            for m in art.mentions_between(start - 16, start)
            if m.end >= start - 6
            and m.kind in ("place", "organisation")
            and _TITLE.fullmatch(art.text, m.end, start)
        ]
        if not heads:
            return False
        start = heads[-1].start
    return False


def description_start(art: ArticleText, head_start: int, floor: int) -> int:
    """Return where an anonymous description's modifiers begin, reading left from its head."""
    text = art.text
    i = head_start
    while i > floor and head_start - i < _DESC_MAX:
        char = text[i - 1]
        if not ("\u4e00" <= char <= "\u9fff") or char in _DESC_STOP_CHARS:
            break
        if text[i - 2 : i] in _DESC_STOP_PAIRS or i in art.person_ends:
            break
        i -= 1
    while i < head_start and text[i] == "的":
        i += 1
    return i


def find_speaker(
    art: ArticleText, pos: int, floor: int, spoken: Mapping[int, Span]
) -> Speaker | None:
    """Return the speaker of a verb at pos: the nearest mention, description or pronoun."""
    # spoken maps a sentence to the last named speaker of a claim anchored there: what a
    # pronoun may refer to.
    text = art.text
    window = text[floor:pos]
    candidates: list[tuple[int, int, str, Mention | None]] = []
    for m in art.mentions_between(floor, pos):
        if m.kind != "outlet" and not m.parenthesised:
            candidates.append((m.end, m.start, "mention", m))
    for match in ANON_HEAD.finditer(window):
        end = floor + match.end()
        if not art.mask[end - 1] and not art.in_mention(floor + match.start()):
            start = description_start(art, floor + match.start(), floor)
            candidates.append((end, start, "description", None))
    side = _SIDE.search(window)
    if side:
        candidates.append((floor + side.end(), floor + side.start(), "description", None))
    for match in PRONOUN.finditer(window):
        if not art.mask[floor + match.start()]:
            kind = "plural" if len(match.group()) > 1 else "pronoun"
            candidates.append((floor + match.end(), floor + match.start(), kind, None))
    # Nearest first (白宫官员 ends after 白宫, 发言人佩斯科夫 after 发言人); of two ending
    # together, the longer.
    for end, start, kind, mention in sorted(candidates, key=lambda c: (-c[0], c[1])):
        gap = text[end:pos]
        if mention is not None:
            if mention.kind == "place":
                if _PLACE_GAP.fullmatch(gap) and not is_object(art, mention):
                    return Speaker(Span(start, end, mention.entity_key), False, start, end)
                continue
            if is_object(art, mention):
                continue
            if gap.startswith("的") and not gap.startswith(_CITED_WORDS):
                return None  # a possessor: 特朗普的乌克兰特使 is not 特朗普
            if not gap_ok(gap):
                return None
            return Speaker(Span(start, end, mention.entity_key), False, start, end)
        if not gap_ok(gap) or kind == "plural":
            return None
        if kind == "description":
            return Speaker(Span(start, end, None), True, start, end)
        return Speaker(antecedent(art, start, spoken), False, start, end)
    return None


def subject(art: ArticleText, sentence: int, before: int | None = None) -> Span | None:
    """Return the first person a sentence names outside quotations and prepositions."""
    start, end = art.sentence_bounds(sentence)
    for m in art.mentions_between(start, end if before is None else before):
        if m.kind == "person" and not m.parenthesised and not is_object(art, m):
            return Span(m.start, m.end, m.entity_key)
    return None


def antecedent(art: ArticleText, pos: int, spoken: Mapping[int, Span]) -> Span | None:
    """Return the person a 他/她 at pos refers to, or None."""
    sentence = art.sentence(pos)
    found = subject(art, sentence, before=pos)
    if found:
        return found
    # Back over at most three sentences: the last speaker there, else the subject. A
    # sentence that opens with a pronoun, or a quotation naming nobody outside it, hands
    # the question one sentence further back.
    for back in range(sentence - 1, max(sentence - 4, -1), -1):
        if back in spoken:
            return spoken[back]
        start, end = art.sentence_bounds(back)
        if PRONOUN.match(art.text[start:end].lstrip()):
            continue
        found = subject(art, back)
        if found:
            return found
    return None


def named_in(art: ArticleText, start: int, end: int, spoken: Mapping[int, Span]) -> Speaker | None:
    """Return the speaker named by the 'who' of 按…的说法 in [start, end), or None."""
    mentions = [m for m in art.mentions_between(start, end) if not m.parenthesised]
    for kind in ("person", "organisation"):
        named = [m for m in mentions if m.kind == kind]
        if named:
            m = named[-1]  # 北约秘书长吕特: the title's organisation is not the speaker
            return Speaker(Span(m.start, m.end, m.entity_key), False, m.start, m.end)
    who = art.text[start:end]
    heads = list(ANON_HEAD.finditer(who))
    if heads:
        head_end = start + heads[-1].end()
        first = description_start(art, start + heads[-1].start(), start)
        return Speaker(Span(first, head_end, None), True, first, head_end)
    if who in ("他", "她"):
        return Speaker(antecedent(art, start, spoken), False, start, end)
    places = [m for m in mentions if m.kind == "place"]
    if len(places) == 1 and (places[0].start, places[0].end) == (start, end):
        m = places[0]
        return Speaker(Span(m.start, m.end, m.entity_key), False, m.start, m.end)
    return None
