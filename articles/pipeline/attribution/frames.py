"""The frames: a speech verb with its speaker and claim, taken from left to right."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, replace

from articles.pipeline.attribution.results import Attribution, Span
from articles.pipeline.attribution.sources import (
    Marker,
    citing_outlet,
    listener,
    markers,
    opens_clause,
    outlet_in,
)
from articles.pipeline.attribution.speakers import GAP_MAX, Speaker, find_speaker, named_in
from articles.pipeline.attribution.text import QUOTE_PUNCT, SENTENCE_PUNCT, ArticleText, Quote

# Speech verbs, longest first so that 声称 is not read as 称, nor 指出 as 指. The lookarounds
# keep out nouns and set phrases: 据称, 被认为, 说法, 称为, 手指, 透露的消息, 提到了 + object.
_VERB_FORMS = (
    r"补充(?:道|说)?",
    r"警告(?:说|称)?",
    r"驳斥(?:说|称)?",
    r"回应(?:说|称)?",
    r"表态(?:称|说)?",
    r"评论(?:称|说)",
    r"分析(?:称|说|认为)",
    r"透露(?:说|称)?",
    r"强调(?:说|称)?",
    r"重申(?:说|称)?",
    r"表示|指出|告诉|认为|宣布|声称|坦言|直言|形容|评价|确认|提到|谈到|呼吁|暗示|披露",
    r"证实|写道|承认|否认|坚称|说道|问道|答道|指责",
    r"(?<![据宣简号堪相对职名自俗统尊通总戏昵爱人声坚])称(?![为号之作赞呼职])",
    r"(?<![所听虽小传游劝解演胡乱是再学])说(?![法明服过起书客谎])",
    r"(?<![所手食拇直意特专暗遥泛确])指(?![出挥导标示控责定向望明称数南引令针纹甲点])",
)
# The leading class only lets the engine skip quickly to characters a verb can start with.
VERB = re.compile(
    r"(?=[补警驳回表评分透强重指告认宣声坦直形确提谈呼暗披证写承否坚说问答称])"
    r"(?<![据被的没未])(?:" + "|".join(_VERB_FORMS) + r")(?![的了])"
)
# 按普京的说法, 另据泽连斯基在…讲话中公布的内容, 按北约秘书长吕特在会后的声明.
ACCORDING_TO = re.compile(
    r"(?:另据|根据|按照|依据|按|据)(?P<who>[^,，。！？!?\n“”「」]{1,30}?)"
    r"的(?:说法|内容|声明|表态|讲话|消息|话|介绍|表述|看法|观点)[,，:：]"
)

# After a verb: its sentence ends, perhaps after 据…报道 (…进行,“佩斯科夫说,据塔斯社报道。).
_TAIL = re.compile(
    r"\s*(?:[,，]\s*(?P<marker>据[^,，。！？!?\n]{0,30}?(?:报道|报导|消息)))?\s*(?:[。！？!?\n]|$)"
)
_OPENING = re.compile(r"\s*(?P<punct>[:：,，]?)\s*")
_CLAUSE_LEAD = re.compile(r"\s*[,，:：]?\s*")
_CLAUSE_TRAIL = "\t ,，:：、。！？!?"
_QUOTE_TRAIL = "\t ,，、"
_SOURCE_TAIL = re.compile(r"[,，]\s*据[^,，。！？!?]{0,30}?(?:报道|报导|消息)$")
_CLAUSE_END = re.compile(r"[;；]")
_MIN_CLAUSE = 4
_MIN_CONTINUED = 8
# Between a quotation and its speaker: a comma and a title (“…,”德国国防部长皮斯托里乌斯…).
_QUOTE_TO_SPEAKER = re.compile(r"[\s,，]*[^,，。！？!?:：;；“”「」\n]{0,15}")
_ADJACENT = re.compile(r"[\s。！？!?,，”」』]*")
# A clause starting with these continues another subject: 并呼吁, 而是.
_NOT_A_SUBJECT = "并而但且也还又"


@dataclass(frozen=True, slots=True)
class Draft:
    attribution: Attribution
    anchor: int  # the verb (or 按/据) of the frame: its sentence scopes outlet markers
    frame_end: int  # where the construction ends, for a quotation that continues it


class Suggester:
    """One article's attributions, built frame by frame from left to right."""

    def __init__(self, art: ArticleText) -> None:
        self.art = art
        self.drafts: list[Draft] = []
        # The last named speaker of a claim anchored in each sentence, for pronouns.
        self.spoken: dict[int, Span] = {}
        # Indexes of the drafts, so that an article of thousands of claims (a hostile dump
        # repeating one sentence) costs n log n, not n²: the accepted claims' starts and
        # ends (they never overlap, so both are in order), (frame end, draft) pairs, and
        # the drafts anchored in each sentence, in the order they were accepted.
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._frame_ends: list[tuple[int, int]] = []
        self._by_sentence: dict[int, list[int]] = {}

    def attributions(self) -> list[Attribution]:
        """Return the accepted attributions ordered by claim."""
        return sorted((d.attribution for d in self.drafts), key=lambda a: a.claim.start)

    # --- bookkeeping ---

    def overlaps(self, start: int, end: int) -> bool:
        """Return whether [start, end) overlaps an accepted claim."""
        # the last claim starting before end ends last of those: only it may reach start
        before = bisect_left(self._starts, end)
        return before > 0 and self._ends[before - 1] > start

    def accept(self, draft: Draft) -> None:
        """Keep a draft unless its claim is empty or overlaps an accepted claim."""
        claim, speaker = draft.attribution.claim, draft.attribution.speaker
        if claim.end <= claim.start or self.overlaps(claim.start, claim.end):
            return
        number = len(self.drafts)
        self.drafts.append(draft)
        at = bisect_left(self._starts, claim.start)
        self._starts.insert(at, claim.start)
        self._ends.insert(at, claim.end)
        insort(self._frame_ends, (draft.frame_end, number))
        sentence = self.art.sentence(draft.anchor)
        self._by_sentence.setdefault(sentence, []).append(number)
        if speaker is not None and speaker.entity_key is not None:
            self.spoken[sentence] = speaker

    def add_quote(
        self,
        quote: Quote,
        speaker: Speaker | None,
        source: Span | None,
        rule: str,
        anchor: int,
        frame_end: int,
    ) -> None:
        claim = self.quoted_words(quote)
        attribution = _attribution(claim, speaker, source, rule, quoted=True)
        self.accept(Draft(attribution, anchor, frame_end))

    def quoted_words(self, quote: Quote) -> Span:
        """Return the words inside a quotation, without the comma before its speaker."""
        end = quote.end
        while end > quote.start and self.art.text[end - 1] in _QUOTE_TRAIL:
            end -= 1
        return Span(quote.start, end, None)

    def add_clause(
        self, pos: int, speaker: Speaker | None, source: Span | None, rule: str, anchor: int
    ) -> None:
        start, end, marker = self.clause(pos)
        if end - start >= _MIN_CLAUSE:
            claim = Span(start, end, None)
            attribution = _attribution(claim, speaker, source or marker, rule, quoted=False)
            self.accept(Draft(attribution, anchor, end))

    def clause(self, pos: int) -> tuple[int, int, Span | None]:
        """Return the clause from pos to its sentence's end, and a 据…报道 outlet closing it."""
        art = self.art
        start = _CLAUSE_LEAD.match(art.text, pos).end()
        _, end = art.sentence_bounds(art.sentence(pos))
        for stop in _CLAUSE_END.finditer(art.text, start, end):
            if not art.mask[stop.start()]:
                end = stop.start()
                break
        while end > start and art.text[end - 1] in _CLAUSE_TRAIL:
            end -= 1
        tail = _SOURCE_TAIL.search(art.text, start, end)
        source = outlet_in(art, tail.start(), tail.end()) if tail else None
        if tail and source:
            end = tail.start()
        return start, end, source

    # --- the frames ---

    def verb_frame(self, verb: re.Match[str]) -> None:
        """Add the attributions a speech verb heads, if it heads any."""
        art, text = self.art, self.art.text
        vs, after = verb.span()
        if art.mask[vs] or art.in_mention(vs) or self.overlaps(vs, vs + 1):
            return
        floor = art.window_start(vs)
        speaker = find_speaker(art, vs, floor, self.spoken)
        source = None
        if speaker is not None:
            source = outlet_in(art, speaker.end, vs, platforms=False)
            source = source or citing_outlet(art, floor, speaker.start)
        if verb.group() == "告诉":
            heard = listener(art, after)
            if heard is None:
                return
            after, told = heard
            source = source or told
        tail = _TAIL.match(text, after)
        earlier = self.quote_then(speaker.start if speaker else vs, tail is not None)
        if speaker is None and earlier is None and not self.bare_subject(floor, vs):
            return
        opening = _OPENING.match(text, after)
        following = art.quote_at(opening.end())
        if earlier is not None and (tail or following or not _ends_sentence(text, earlier)):
            marker = None
            if tail and tail.group("marker"):
                marker = outlet_in(art, tail.start("marker"), tail.end("marker"))
            frame_end = tail.end() if tail else after
            self.add_quote(earlier, speaker, source or marker, "quote_then_speaker", vs, frame_end)
        if tail:
            return  # nothing is said after the verb: “…”他说。 or …给予了正面评价。
        if following is not None and self.introduces(opening.group("punct"), following):
            self.add_quote(following, speaker, source, "speaker_then_quote", vs, following.close)
        elif speaker is not None or opening.group("punct"):
            self.add_clause(after, speaker, source, "speaker_clause", vs)

    def quote_then(self, phrase_start: int, verb_ends_sentence: bool) -> Quote | None:
        """Return the statement quoted right before a speaker phrase, opening its sentence."""
        art = self.art
        quote = art.quote_before(phrase_start)
        if quote is None or not quote.hard or quote.close > phrase_start:
            return None
        if art.sentence(quote.open) != art.sentence(phrase_start):
            return None
        if not art.opens_sentence(quote.open):
            return None  # a quotation inside a sentence is a fragment: 是“好机会”
        between = art.text[quote.close : phrase_start]
        if not _QUOTE_TO_SPEAKER.fullmatch(between):
            return None
        # “…,”他说 or “…”，他说 or “…”他说。 — not a term in quotes before its sentence goes on.
        content = art.text[quote.start : quote.end].rstrip()
        said = bool(content) and QUOTE_PUNCT.fullmatch(content[-1]) is not None
        if said or between.lstrip().startswith((",", "，")) or verb_ends_sentence:
            return quote
        return None

    def introduces(self, punct: str, quote: Quote) -> bool:
        """Return whether a verb followed by punct introduces the quotation that follows."""
        if not quote.hard:
            return False  # 表示,“和平计划”已经失败: a term opening the reported clause
        if punct in (":", "："):
            return True
        text = self.art.text
        whole = bool(_TAIL.match(text, quote.close) or self.art.quote_at(quote.close))
        if punct:
            return whole or any(c in SENTENCE_PUNCT for c in text[quote.start : quote.end])
        return whole

    def bare_subject(self, floor: int, pos: int) -> bool:
        """Return whether the clause before a verb with no known speaker could be its subject."""
        text = self.art.text
        start = max(floor, text.rfind(",", floor, pos) + 1, text.rfind("，", floor, pos) + 1)
        subject = text[start:pos].strip()
        return bool(subject) and len(subject) <= GAP_MAX and subject[0] not in _NOT_A_SUBJECT

    def according_to_frame(self, match: re.Match[str]) -> None:
        """Add the claim of 按/据 SPEAKER 的说法, CLAUSE."""
        if self.art.mask[match.start()] or self.overlaps(match.start(), match.start() + 1):
            return
        speaker = named_in(self.art, match.start("who"), match.end("who"), self.spoken)
        if speaker is not None:
            self.add_clause(match.end(), speaker, None, "according_to", match.start())

    def continuations(self) -> None:
        """Add sentences quoted right after an attribution: the same speaker goes on."""
        art = self.art
        for quote in art.quotes:
            if not quote.hard or self.overlaps(quote.open, quote.close):
                continue
            if not art.opens_sentence(quote.open) or not self.whole_sentence(quote):
                continue
            previous = self._last_ending_by(quote.open)
            if previous is None or previous.attribution.speaker is None:
                continue
            if not _ADJACENT.fullmatch(art.text, previous.frame_end, quote.open):
                continue
            attribution = replace(
                previous.attribution,
                claim=self.quoted_words(quote),
                rule="quote_continues",
                quoted=True,
            )
            self.accept(Draft(attribution, quote.open, quote.close))

    def _last_ending_by(self, position: int) -> Draft | None:
        """Return the draft whose frame ends last at or before position (the first such)."""
        at = bisect_right(self._frame_ends, (position, len(self.drafts))) - 1
        if at < 0:
            return None
        frame_end = self._frame_ends[at][0]
        first = bisect_left(self._frame_ends, (frame_end, -1))
        return self.drafts[self._frame_ends[first][1]]

    def whole_sentence(self, quote: Quote) -> bool:
        """Return whether a quotation is a whole sentence, not a term opening one."""
        text = self.art.text
        content = text[quote.start : quote.end].rstrip()
        if len(content) < _MIN_CONTINUED and not QUOTE_PUNCT.search(content):
            return False
        return content[-1] in SENTENCE_PUNCT or bool(_TAIL.match(text, quote.close))

    def apply_markers(self) -> None:
        """Give claims the outlet their sentence names; report the clauses of the others."""
        art = self.art
        for marker in markers(art):
            sentence = art.sentence(marker.start)
            here = self._by_sentence.get(sentence, [])
            if here:
                for number in here:
                    claim = self.drafts[number].attribution.claim
                    # A marker inside someone's claim is what they said, not their source.
                    inside = claim.start < marker.end and marker.start < claim.end
                    if self.drafts[number].attribution.source is None and not inside:
                        self.set_source(number, marker.outlet)
                continue
            _, sentence_end = art.sentence_bounds(sentence)
            if not art.text[marker.end : sentence_end].strip(" \t,，。！？!?"):
                # 据塔斯社报道 closing a sentence of its own reports the claim just before.
                before = self._by_sentence.get(sentence - 1, [])
                last = max(before, key=self._claim_start, default=None)
                if last is not None and self.drafts[last].attribution.source is None:
                    self.set_source(last, marker.outlet)
            elif opens_clause(art, marker):
                self.report(marker)

    def report(self, marker: Marker) -> None:
        """Add the clause an outlet reports with nobody named as saying it."""
        start, end, _ = self.clause(marker.end)
        if end - start >= _MIN_CLAUSE:
            claim = Span(start, end, None)
            attribution = Attribution(claim, None, False, marker.outlet, "outlet_reports", False)
            self.accept(Draft(attribution, marker.start, end))

    def _claim_start(self, number: int) -> int:
        return self.drafts[number].attribution.claim.start

    def set_source(self, number: int, outlet: Span) -> None:
        draft = self.drafts[number]
        self.drafts[number] = replace(draft, attribution=replace(draft.attribution, source=outlet))


def _attribution(
    claim: Span, speaker: Speaker | None, source: Span | None, rule: str, quoted: bool
) -> Attribution:
    return Attribution(
        claim=claim,
        speaker=speaker.span if speaker else None,
        speaker_anonymous=bool(speaker and speaker.anonymous),
        source=source,
        rule=rule,
        quoted=quoted,
    )


def _ends_sentence(text: str, quote: Quote) -> bool:
    """Return whether a quotation's words end with a full stop (“…制裁。”沃尔兹说,…)."""
    content = text[quote.start : quote.end].rstrip()
    return bool(content) and content[-1] in SENTENCE_PUNCT


def suggest(art: ArticleText) -> list[Attribution]:
    """Return the attributions of an article: frames, then continuations, then outlets."""
    suggester = Suggester(art)
    anchors: list[tuple[int, bool, re.Match[str]]] = [
        (m.start(), False, m) for m in VERB.finditer(art.text)
    ]
    anchors += [(m.start(), True, m) for m in ACCORDING_TO.finditer(art.text)]
    for _, according, match in sorted(anchors, key=lambda a: (a[0], a[1])):
        if according:
            suggester.according_to_frame(match)
        else:
            suggester.verb_frame(match)
    suggester.continuations()
    suggester.apply_markers()
    return suggester.attributions()
