"""Attribution suggestions: who said what in an article, and which outlet reported it.

Rules over the cleaned body and its entity mentions; no model, no database. Every speech
verb outside quotation marks (说, 表示, 称, 强调, 指出, 告诉 …) may head a frame. Its speaker
is the nearest mention, anonymous description (一名俄罗斯资深消息人士) or pronoun before it,
across a short adverbial gap (12日在会后); its claim is one of:

- quote_then_speaker: the statement quoted just before the speaker, “…,”佩斯科夫说;
- speaker_then_quote: the statement quoted after the verb, 泽连斯基说：“…”;
- speaker_clause: the rest of the sentence, 拉夫罗夫表示，双方同意…;
- according_to: the clause after 按普京的说法, 另据泽连斯基…公布的内容;
- quote_continues: a quoted sentence right after an attribution, by the same speaker;
- outlet_reports: a clause an outlet reports with nobody named (据俄新社报道，…).

Frames are taken left to right and a verb inside an accepted claim belongs to that claim,
so reported speech inside reported speech (佩斯科夫说，普京多次表示…) stays one claim. The
outlet comes from the frame (告诉路透社, 接受《泰晤士报》采访时, 俄新社援引…的话说) or from a
marker in the claim's sentence (据塔斯社报道, 路透社12日报道); a marker closing a sentence
with no claim of its own reports the claim before it.

The text is matched in simplified script, code point for code point, so traditional
articles (普丁說：「…」, 據路透社報導) follow the same rules at the same offsets.
"""

from collections.abc import Sequence

from articles.pipeline.attribution.frames import suggest
from articles.pipeline.attribution.results import Attribution, MentionLike, Span
from articles.pipeline.attribution.text import ArticleText

__all__ = ["Attribution", "MentionLike", "Span", "suggest_attributions"]


def suggest_attributions(body: str, mentions: Sequence[MentionLike]) -> list[Attribution]:
    """Return suggested attributions of a body, ordered by claim, claims never overlapping."""
    return suggest(ArticleText(body, mentions))
