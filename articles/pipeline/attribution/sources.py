"""Which outlet reported a claim: the frame that names it, or a marker in its sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from articles.pipeline.attribution.results import Span
from articles.pipeline.attribution.text import ArticleText, Mention

# OUTLET援引SPEAKER: 国家通讯社 RIA Novosti 援引佩斯科夫的话说, 路透社12日引述俄罗斯消息人士.
_CITING = re.compile(r"(?:援引|引述|引用)[^,，。！？!?:：“”「」\n]{0,10}$")
_OUTLET_TO_CITING = re.compile(r"(?:\s|[)）]|\d+月|\d+日|周[一二三四五六日])*")
# 告诉 + listener: 告诉路透社, 告诉《华尔街日报》, 告诉乌克兰媒体, 告诉媒体记者.
_LISTENER_LEAD = re.compile(r"\s*《?")
_LISTENER_TRAIL = re.compile(r"》?(?:\s*(?:\([^()\n]{0,60}\)|（[^（）\n]{0,60}）))?")
_LISTENER = re.compile(
    r"[^,，:：“「。！？!?\n]{0,8}?(?:记者|媒体|议员|听众|民众|人们|外界|电视台|通讯社)+"
)
# Markers: 据(俄罗斯官方媒体)塔斯社报道, 路透社3月12日报道, 塔斯社(TASS)报道, CNN 报道称.
_JU_LEAD = re.compile(r"据[^,，。！？!?:：\n]{0,20}$")
_JU_LEAD_MAX = 21  # the longest match of _JU_LEAD
_JU_TRAIL = re.compile(r"(?:\s|\([^()]*\)|（[^（）]*）)*[^,，。！？!?\n]{0,6}?(?:报道|报导|消息)")
_REPORTS = re.compile(
    r"(?:\s|\([^()]*\)|（[^（）]*）)*(?:\d+月)?(?:\d+日)?\s*(?:报道|报导)(?:称|说)?\s*[,，:：]"
)
# A marker this far into its clause still opens it: 俄罗斯国营的塔斯社报道, 因为 CNN 报道称.
_MARKER_LEAD_MAX = 10
_COMMA = re.compile(r"[,，]")


@dataclass(frozen=True, slots=True)
class Marker:
    start: int
    end: int
    outlet: Span


def outlet_span(art: ArticleText, mention: Mention) -> Span:
    """Return an outlet mention as a span, the Chinese name rather than a Latin repeat."""
    m = art.unparenthesised(mention)
    return Span(m.start, m.end, m.entity_key)


def outlet_in(art: ArticleText, start: int, end: int, platforms: bool = True) -> Span | None:
    """Return the first outlet named inside [start, end), or None."""
    # Without platforms, an outlet used as the speaker's own channel (在 X 上写道, 在Telegram
    # 上发文) does not count: it carried the words, it did not report them.
    for m in art.mentions_between(start, end):
        if m.kind != "outlet" or m.parenthesised:
            continue
        if not platforms and _is_platform(art, m):
            continue
        return outlet_span(art, m)
    return None


def _is_platform(art: ArticleText, mention: Mention) -> bool:
    before = art.text[max(0, mention.start - 3) : mention.start].rstrip()
    after = art.text[mention.end : mention.end + 3].lstrip()
    return before.endswith("在") and after.startswith("上")


def citing_outlet(art: ArticleText, floor: int, phrase_start: int) -> Span | None:
    """Return the outlet of OUTLET援引SPEAKER before a speaker phrase, or None."""
    match = _CITING.search(art.text, floor, phrase_start)
    if not match:
        return None
    cite = match.start()
    for m in reversed(art.mentions_between(max(floor, cite - 24), cite)):
        if m.kind == "outlet" and _OUTLET_TO_CITING.fullmatch(art.text, m.end, cite):
            return outlet_span(art, m)
    return None


def listener(art: ArticleText, pos: int) -> tuple[int, Span | None] | None:
    """Return where the words start after 告诉 + listener, and the listener if an outlet."""
    lead = _LISTENER_LEAD.match(art.text, pos).end()
    following = art.mentions_between(lead, lead + 24)
    if following and following[0].start == lead and following[0].kind == "outlet":
        end = _LISTENER_TRAIL.match(art.text, following[0].end).end()
        return end, outlet_span(art, following[0])
    match = _LISTENER.match(art.text, pos)
    return (match.end(), None) if match else None


def markers(art: ArticleText) -> list[Marker]:
    """Return the outlet markers outside quotations, in text order."""
    text = art.text
    found = []
    for m in art.mentions:
        if m.kind != "outlet" or m.parenthesised:
            continue
        sentence_start, _ = art.sentence_bounds(art.sentence(m.start))
        # the lead ends at the outlet and is at most 21 characters: searched only there, as
        # the whole sentence before each outlet was quadratic in a sentence of thousands
        lead = _JU_LEAD.search(text, max(sentence_start, m.start - _JU_LEAD_MAX), m.start)
        trail = _JU_TRAIL.match(text, m.end)
        if lead and trail:
            found.append(Marker(lead.start(), trail.end(), outlet_span(art, m)))
            continue
        reports = _REPORTS.match(text, m.end)
        if reports:
            found.append(Marker(m.start, reports.end(), outlet_span(art, m)))
    return found


def opens_clause(art: ArticleText, marker: Marker) -> bool:
    """Return whether a marker stands at the start of its clause, give or take a modifier."""
    sentence_start, _ = art.sentence_bounds(art.sentence(marker.start))
    lead = art.text[sentence_start : marker.start]
    return len(_COMMA.split(lead)[-1].strip()) <= _MARKER_LEAD_MAX
