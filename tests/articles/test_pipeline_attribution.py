"""Attribution suggestions: the rules on made-up sentences, and quality on the four samples."""

import itertools
import json
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from articles.pipeline.attribution import Attribution, Span, suggest_attributions
from articles.pipeline.entities import AliasIndex
from articles.pipeline.lexicon import load_lexicon
from articles.pipeline.process import Processed, process_source
from articles.pipeline.sources import Source

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
GOLD = json.loads((ROOT / "tests" / "data" / "attribution_gold.json").read_text(encoding="utf-8"))
QUOTE_MARKS = '“”「」『』"'

# The product's targets for quoted claims.
RECALL_TARGET = 0.7
PRECISION_TARGET = 0.8


@dataclass(frozen=True, slots=True)
class Mark:
    """A made-up mention: anything with these four attributes will do."""

    start: int
    end: int
    entity_key: str
    kind: str


# Surfaces the made-up sentences use, with their entity keys (canonical names) and kinds.
KNOWN = {
    "德米特里·佩斯科夫": ("佩斯科夫", "person"),
    "Dmitry Peskov": ("佩斯科夫", "person"),
    "佩斯科夫": ("佩斯科夫", "person"),
    "普京": ("普京", "person"),
    "普丁": ("普京", "person"),
    "泽连斯基": ("泽连斯基", "person"),
    "拉夫罗夫": ("拉夫罗夫", "person"),
    "鲁比奥": ("鲁比奥", "person"),
    "沃尔兹": ("沃尔兹", "person"),
    "希利": ("希利", "person"),
    "凯洛格": ("凯洛格", "person"),
    "维特科夫": ("维特科夫", "person"),
    "德米特里耶夫": ("德米特里耶夫", "person"),
    "特朗普": ("特朗普", "person"),
    "克里姆林宫": ("克里姆林宫", "organisation"),
    "联邦安全会议": ("俄罗斯联邦安全会议", "organisation"),
    "白宫": ("白宫", "organisation"),
    "塔斯社": ("塔斯社", "outlet"),
    "俄新社": ("俄新社", "outlet"),
    "路透社": ("路透社", "outlet"),
    "泰晤士报": ("《泰晤士报》", "outlet"),
    "俄罗斯": ("俄罗斯", "place"),
    "乌克兰": ("乌克兰", "place"),
    "英国": ("英国", "place"),
    "美国": ("美国", "place"),
    "莫斯科": ("莫斯科", "place"),
    "基辅": ("基辅", "place"),
    "布鲁塞尔": ("布鲁塞尔", "place"),
    "圣彼得堡": ("圣彼得堡", "place"),
}


def marks(text: str) -> list[Mark]:
    """Return the known surfaces of text as mentions, longest first where they overlap."""
    found: list[Mark] = []
    taken = [False] * len(text)
    for surface in sorted(KNOWN, key=len, reverse=True):
        start = text.find(surface)
        while start >= 0:
            end = start + len(surface)
            if not any(taken[start:end]):
                found.append(Mark(start, end, *KNOWN[surface]))
                taken[start:end] = [True] * len(surface)
            start = text.find(surface, end)
    return sorted(found, key=lambda m: m.start)


@dataclass(frozen=True, slots=True)
class Said:
    """An attribution read back as text, for assertions that read like the article."""

    claim: str
    speaker: str | None
    anonymous: bool
    source: str | None
    rule: str
    quoted: bool


def said(text: str) -> list[Said]:
    """Return the suggestions for a made-up text, as text."""

    def cut(span: Span | None) -> str | None:
        return None if span is None else text[span.start : span.end]

    return [
        Said(cut(a.claim), cut(a.speaker), a.speaker_anonymous, cut(a.source), a.rule, a.quoted)
        for a in suggest_attributions(text, marks(text))
    ]


def one(text: str) -> Said:
    found = said(text)
    assert len(found) == 1, found
    return found[0]


# --- quotations ------------------------------------------------------------------------------


def test_quote_then_speaker_gives_the_words_inside_the_marks():
    assert one("“我们不会让步，”佩斯科夫说。") == Said(
        "我们不会让步", "佩斯科夫", False, None, "quote_then_speaker", True
    )


def test_a_quote_closed_with_an_opening_mark_spans_its_sentences_and_takes_the_outlet():
    text = "“艰苦的工作仍在继续。普京会听的。对话将继续进行,“佩斯科夫说,据官方媒体塔斯社报道。"
    found = one(text)
    assert found.claim == "艰苦的工作仍在继续。普京会听的。对话将继续进行"
    assert (found.speaker, found.source, found.rule) == ("佩斯科夫", "塔斯社", "quote_then_speaker")


def test_title_name_and_a_long_when_frame_before_the_verb():
    text = (
        "“我们必须承认现实，”德国国防部长皮斯托里乌斯"
        "在会后举行的新闻发布会上与英国部长一起发表讲话时表示。"
    )
    assert said(text) == []  # 皮斯托里乌斯 is not a known surface here: the speaker is unknown
    found = said(text.replace("皮斯托里乌斯", "希利"))
    assert [(s.claim, s.speaker) for s in found] == [("我们必须承认现实", "希利")]


def test_speaker_then_quote_after_a_colon_or_a_comma():
    assert one("泽连斯基说：“为了和平，我愿意做任何事情。”") == Said(
        "为了和平，我愿意做任何事情。", "泽连斯基", False, None, "speaker_then_quote", True
    )
    found = one("希利也指出，“今天是俄罗斯拒绝和平协议的一个月。")
    assert (found.claim, found.speaker, found.quoted) == (
        "今天是俄罗斯拒绝和平协议的一个月。",
        "希利",
        True,
    )


def test_a_quotation_after_an_attribution_continues_it():
    text = "“我们只需要防空系统，”泽连斯基说。“我们的伙伴可以帮助解决这个问题。”"
    assert [(s.claim, s.speaker, s.rule) for s in said(text)] == [
        ("我们只需要防空系统", "泽连斯基", "quote_then_speaker"),
        ("我们的伙伴可以帮助解决这个问题。", "泽连斯基", "quote_continues"),
    ]


def test_a_full_quoted_sentence_before_a_new_speaker_belongs_to_the_previous_one():
    text = (
        "鲁比奥也指出，欧洲将在谈判中发挥作用。“欧盟必须坐到谈判桌前。”"
        "沃尔兹说，接下来的谈判将涵盖领土问题。"
    )
    assert [(s.claim, s.speaker, s.quoted) for s in said(text)] == [
        ("欧洲将在谈判中发挥作用", "鲁比奥", False),
        ("欧盟必须坐到谈判桌前。", "鲁比奥", True),
        ("接下来的谈判将涵盖领土问题", "沃尔兹", False),
    ]


def test_traditional_script_corner_brackets():
    assert one("普丁說：「我們不需要停戰」") == Said(
        "我們不需要停戰", "普丁", False, None, "speaker_then_quote", True
    )


# --- reported clauses, speakers ----------------------------------------------------------------


def test_speaker_verb_clause_is_an_unquoted_claim():
    assert one("拉夫罗夫表示，双方同意尽快启动乌克兰和平谈判进程。") == Said(
        "双方同意尽快启动乌克兰和平谈判进程", "拉夫罗夫", False, None, "speaker_clause", False
    )


def test_the_speaker_is_the_mention_behind_a_title_and_a_latin_name():
    text = (
        "克里姆林宫发言人德米特里·佩斯科夫(Dmitry Peskov)周二在会前表示，"
        "普京和维特科夫将讨论乌克兰问题。"
    )
    found = one(text)
    assert (found.speaker, found.claim) == ("德米特里·佩斯科夫", "普京和维特科夫将讨论乌克兰问题")


def test_an_organisation_and_a_country_can_speak():
    assert one("克里姆林宫12日表示，需要听取美方的通报。").speaker == "克里姆林宫"
    assert one("俄罗斯称，这4州现在全部属于俄罗斯。").speaker == "俄罗斯"


def test_a_place_where_something_was_said_is_not_the_speaker():
    assert one("英国国防大臣周五在布鲁塞尔表示，防空是首要任务。").speaker is None


def test_the_object_of_a_preposition_is_not_the_speaker():
    found = one("普京向联邦安全会议表示：“不应该存在短暂停战。”")
    assert (found.speaker, found.claim) == ("普京", "不应该存在短暂停战。")


def test_a_possessor_is_not_the_speaker():
    assert one("特朗普的乌克兰特使暗示，基辅将不得不放弃领土。").speaker is None


def test_a_pronoun_resolves_to_the_person_speaking_before():
    text = "普京向联邦安全会议表示：“不应该存在短暂停战。”\n他在12月时表示：“我们不需要停战。”"
    found = suggest_attributions(text, marks(text))
    first, second = found
    assert second.speaker == first.speaker == Span(0, 2, "普京")
    assert text[second.claim.start : second.claim.end] == "我们不需要停战。"


def test_a_pronoun_skips_a_sentence_that_opens_with_a_pronoun():
    text = (
        "泽连斯基也进行了虚拟露面，他警告说，俄罗斯是唯一原因。"
        "他明确提到了普京拒绝停火。他说：“没有力量，就没有和平。"
    )
    last = said(text)[-1]
    assert (last.claim, last.speaker) == ("没有力量，就没有和平。", "泽连斯基")


def test_a_pronoun_with_nobody_before_it_has_no_speaker():
    assert one("他说，会谈很有成效。").speaker is None


def test_reported_speech_inside_reported_speech_is_one_claim():
    found = one("佩斯科夫说，普京多次表示愿意进行和谈。")
    assert (found.speaker, found.claim) == ("佩斯科夫", "普京多次表示愿意进行和谈")


def test_according_to_someone():
    found = one("按普京的说法，俄罗斯无法接受欧洲的修改。")
    assert (found.speaker, found.claim, found.rule) == (
        "普京",
        "俄罗斯无法接受欧洲的修改",
        "according_to",
    )


# --- anonymous speakers ----------------------------------------------------------------------


def test_an_anonymous_source_is_its_description():
    assert one("一名俄罗斯资深消息人士表示，普京很难同意这项草案。") == Said(
        "普京很难同意这项草案", "一名俄罗斯资深消息人士", True, None, "speaker_clause", False
    )
    found = one("美国官员说，他们将把这份协议带到莫斯科。")
    assert (found.speaker, found.anonymous) == ("美国官员", True)


def test_an_unnamed_side_is_anonymous():
    found = one("按美方的说法，美俄的这次会谈“深入且富有成效”。")
    assert (found.speaker, found.anonymous) == ("美方", True)


def test_a_noun_phrase_about_officials_is_no_claim():
    assert said("白宫官员3日透露的消息也印证了这一点。") == []


def test_scare_quotes_are_no_claims():
    assert said("美国为推进其所谓的“和平计划”与俄方会谈，会谈具有“实质性”和“建设性”。") == []


def test_a_term_in_quotes_opening_a_reported_clause_is_not_a_quotation():
    found = one("拉夫罗夫表示，“和平计划”已经失败。")
    assert (found.claim, found.quoted) == ("“和平计划”已经失败", False)


def test_a_term_in_quotes_before_a_speaker_is_not_their_quotation():
    found = one("“北溪”事件调查人员表示，爆炸是人为破坏。")
    assert (found.claim, found.quoted, found.anonymous) == ("爆炸是人为破坏", False, True)


def test_a_term_opening_the_sentence_after_an_attribution_does_not_continue_it():
    text = "佩斯科夫说，会谈很有成效。“乌克兰优先需求清单”机制将继续运作。"
    assert [s.claim for s in said(text)] == ["会谈很有成效"]


def test_a_heading_in_quotes_is_no_claim():
    assert said("“俄罗斯是这场战争的唯一原因”\n美国在俄罗斯举行会议之际，盟友齐聚布鲁塞尔。") == []


# --- outlets ---------------------------------------------------------------------------------


def test_according_to_an_outlet_with_words_between():
    found = one("据俄罗斯官方媒体塔斯社报道，佩斯科夫表示，普京将会见维特科夫。")
    assert (found.speaker, found.source) == ("佩斯科夫", "塔斯社")


def test_an_outlet_citing_a_speaker():
    found = one("俄新社援引佩斯科夫的话说，普京与特朗普会面可能被提上议程。")
    assert (found.speaker, found.source) == ("佩斯科夫", "俄新社")


def test_an_outlet_reporting_an_anonymous_source():
    found = one("路透社3月12日报道，俄罗斯消息人士表示，俄方需要仔细讨论停火条件。")
    assert (found.speaker, found.anonymous, found.source) == ("俄罗斯消息人士", True, "路透社")


def test_an_interview_names_the_outlet():
    text = "凯洛格在周五接受英国报纸《泰晤士报》采访时表示，乌克兰可能分裂。"
    assert one(text).source == "泰晤士报"


def test_telling_an_outlet_makes_it_the_source():
    found = one("一名俄罗斯资深消息人士告诉路透社：“普京很难同意这项草案。”")
    assert (found.speaker, found.source, found.quoted) == ("一名俄罗斯资深消息人士", "路透社", True)


def test_an_outlet_closing_the_next_sentence_reports_the_claim_before():
    text = "佩斯科夫表示，普京将会见维特科夫。莫斯科时间下午3点，据塔斯社报道。"
    assert one(text).source == "塔斯社"


def test_an_outlet_report_without_a_speaker_is_a_claim_of_the_outlet():
    assert one("据俄新社报道，维特科夫周五在圣彼得堡会见了德米特里耶夫。") == Said(
        "维特科夫周五在圣彼得堡会见了德米特里耶夫", None, False, "俄新社", "outlet_reports", False
    )


def test_a_platform_the_speaker_posts_on_is_not_a_source():
    text = "凯洛格后来在X上写道，他指的是潜在的“盟军责任区”。"
    marked = [*marks(text), Mark(text.index("X"), text.index("X") + 1, "X", "outlet")]
    (found,) = suggest_attributions(text, marked)
    assert (text[found.speaker.start : found.speaker.end], found.source) == ("凯洛格", None)


def test_traditional_script_outlet_marker():
    found = one("據路透社報導，普丁表示，停火草案是個陷阱。")
    assert (found.speaker, found.source, found.claim) == ("普丁", "路透社", "停火草案是個陷阱")


def test_an_outlet_inside_someone_elses_claim_is_not_their_source():
    found = one("泽连斯基表示，俄罗斯正在准备新的攻势，因为路透社报道称，俄军增加了行动。")
    assert (found.speaker, found.source) == ("泽连斯基", None)


# --- the four samples ----------------------------------------------------------------------


@cache
def lexicon_index() -> AliasIndex:
    return AliasIndex.from_lexicon(load_lexicon())


@cache
def sample(name: str) -> Processed:
    processed = process_source(Source(name, data=(SAMPLES / name).read_bytes()), lexicon_index())
    assert isinstance(processed, Processed)
    return processed


def canonical(processed: Processed, span: Span | None) -> str | None:
    """Return the canonical name of a span's entity (keys of new entities map to names)."""
    if span is None or span.entity_key is None:
        return None
    names = {new.key: new.name for new in processed.new_entities}
    return names.get(span.entity_key, span.entity_key)


def locate(body: str, item: dict, field: str) -> tuple[int, int]:
    """Return the span of a gold item's substring, after its 'after' anchor if it has one."""
    offset = body.index(item["after"]) if "after" in item else 0
    start = body.index(item[field], offset)
    return start, start + len(item[field])


def speaker_right(processed: Processed, attribution: Attribution, item: dict) -> bool:
    if item["speaker"] == "anonymous":
        return attribution.speaker_anonymous
    return canonical(processed, attribution.speaker) == item["speaker"]


def overlapping(attribution: Attribution, span: tuple[int, int]) -> bool:
    return attribution.claim.start < span[1] and span[0] < attribution.claim.end


@dataclass
class Tally:
    hits: int = 0
    total: int = 0

    def add(self, hit: bool) -> None:
        self.hits += hit
        self.total += 1

    def ratio(self) -> float:
        return self.hits / self.total if self.total else 1.0

    def __str__(self) -> str:
        figure = f"{self.ratio():.2f}" if self.total else "n/a"
        return f"{figure} ({self.hits}/{self.total})"


@dataclass
class Scores:
    recall: Tally
    precision: Tally
    source: Tally
    full_recall: Tally
    partial_recall: Tally
    reported_recall: Tally
    reported_precision: Tally
    speakerless: int
    misses: list[str]
    wrong: list[str]
    reported_misses: list[str]


def score(name: str) -> Scores:
    """Return the sample's figures against its gold annotation."""
    processed = sample(name)
    body, gold = processed.body, GOLD["documents"][name]
    found = suggest_attributions(body, processed.mentions)
    quotes = [(item, locate(body, item, "quote")) for item in gold["quotes"]]
    reported = [(item, locate(body, item, "claim")) for item in gold["reported"]]
    s = Scores(Tally(), Tally(), Tally(), Tally(), Tally(), Tally(), Tally(), 0, [], [], [])
    for item, span in quotes:
        match = next(
            (a for a in found if overlapping(a, span) and speaker_right(processed, a, item)),
            None,
        )
        s.recall.add(match is not None)
        (s.partial_recall if item["partial"] else s.full_recall).add(match is not None)
        if match is None:
            s.misses.append(item["quote"])
        else:
            s.source.add(canonical(processed, match.source) == item["source"])
    for item, span in reported:
        hit = any(overlapping(a, span) and speaker_right(processed, a, item) for a in found)
        s.reported_recall.add(hit)
        if not hit:
            s.reported_misses.append(item["claim"])
    for a in found:
        right = [item for item, span in quotes if overlapping(a, span)]
        right = [item for item in right if speaker_right(processed, a, item)]
        if a.quoted:
            s.precision.add(bool(right))
            if not right:
                s.wrong.append(body[a.claim.start : a.claim.end][:20])
        elif a.speaker is None:
            s.speakerless += 1
        else:
            said_so = [
                item
                for item, span in reported
                if overlapping(a, span) and speaker_right(processed, a, item)
            ]
            s.reported_precision.add(bool(said_so or right))
    return s


def sample_names() -> list[str]:
    return sorted(GOLD["documents"])


def test_gold_substrings_and_names_exist():
    names = {entry.name for entry in load_lexicon()}
    for name in sample_names():
        body, gold = sample(name).body, GOLD["documents"][name]
        for field, items in (("quote", gold["quotes"]), ("claim", gold["reported"])):
            for item in items:
                locate(body, item, field)
                # A distinctive substring: the first occurrence after its anchor is the one meant.
                assert body.count(item[field]) == 1 or "after" in item, item[field]
                assert item["speaker"] == "anonymous" or item["speaker"] in names, item
                assert item["source"] is None or item["source"] in names, item
        for item in gold["not_claims"]:
            locate(body, item, "quote")


def test_suggestions_stay_inside_the_body_ordered_and_apart():
    for name in sample_names():
        processed = sample(name)
        body = processed.body
        found = suggest_attributions(body, processed.mentions)
        mentions = {(m.start, m.end, m.entity_key) for m in processed.mentions}
        assert found
        for a in found:
            for span in (a.claim, a.speaker, a.source):
                if span is not None:
                    assert 0 <= span.start < span.end <= len(body)
            text = body[a.claim.start : a.claim.end]
            assert text == text.strip() and text[0] not in QUOTE_MARKS, text
            if a.speaker is not None and a.speaker.entity_key is not None:
                assert (a.speaker.start, a.speaker.end, a.speaker.entity_key) in mentions
            assert a.speaker is None or a.speaker_anonymous == (a.speaker.entity_key is None)
            if a.source is not None:
                assert (a.source.start, a.source.end, a.source.entity_key) in mentions
        claims = [a.claim for a in found]
        assert claims == sorted(claims, key=lambda c: c.start)
        assert all(b.start >= a.end for a, b in itertools.pairwise(claims))


def test_quoted_claims_reach_the_targets_on_the_samples(capsys):
    total = {"recall": Tally(), "precision": Tally(), "source": Tally()}
    extra = {key: Tally() for key in ("full", "partial", "reported_r", "reported_p")}
    lines = []
    for name in sample_names():
        s = score(name)
        for key, tally in (
            ("recall", s.recall),
            ("precision", s.precision),
            ("source", s.source),
            ("full", s.full_recall),
            ("partial", s.partial_recall),
            ("reported_r", s.reported_recall),
            ("reported_p", s.reported_precision),
        ):
            target = total.get(key) or extra[key]
            target.hits += tally.hits
            target.total += tally.total
        lines.append(
            f"  {name[:3]}: quoted recall {s.recall}, precision {s.precision}, "
            f"source {s.source}; unquoted recall {s.reported_recall}, "
            f"precision {s.reported_precision}, without speaker {s.speakerless}"
        )
        if s.misses:
            lines.append(f"       missed: {' | '.join(s.misses)}")
        if s.wrong:
            lines.append(f"       wrong: {' | '.join(s.wrong)}")
        if s.reported_misses:
            lines.append(f"       unquoted missed: {' | '.join(s.reported_misses)}")
    with capsys.disabled():
        print(
            f"\nattribution, quoted claims: recall {total['recall']} "
            f"(full quotes {extra['full']}, fragments {extra['partial']}), "
            f"precision {total['precision']}, source accuracy {total['source']}; "
            f"unquoted (information): recall {extra['reported_r']}, "
            f"precision {extra['reported_p']}"
        )
        print("\n".join(lines))
    assert total["recall"].ratio() >= RECALL_TARGET
    assert total["precision"].ratio() >= PRECISION_TARGET


def test_suggesting_is_fast(capsys):
    articles = [sample(name) for name in sample_names()]
    for processed in articles:
        suggest_attributions(processed.body, processed.mentions)  # warm caches
    timings = []
    for processed in articles:
        best = min(
            _timed(lambda p=processed: suggest_attributions(p.body, p.mentions)) for _ in range(20)
        )
        timings.append(f"{processed.name[:3]} {len(processed.body)} chars {best * 1000:.2f} ms")
    with capsys.disabled():
        print("\nattribution speed (best of 20): " + ", ".join(timings))


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


@pytest.mark.parametrize("body", ["", "\n", "“", "他说", "“”佩斯科夫说。", "据路透社报道。"])
def test_degenerate_texts_do_not_break(body):
    for a in suggest_attributions(body, marks(body)):
        assert 0 <= a.claim.start < a.claim.end <= len(body)
